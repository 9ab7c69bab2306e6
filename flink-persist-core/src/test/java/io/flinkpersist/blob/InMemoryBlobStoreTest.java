package io.flinkpersist.blob;

/** Runs the {@link BlobStore} contract against {@link InMemoryBlobStore}. */
class InMemoryBlobStoreTest extends BlobStoreContractTest {

    @Override
    protected BlobStore createStore() {
        return new InMemoryBlobStore();
    }
}
