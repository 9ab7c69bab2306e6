package io.flinkpersist.testing;

import io.flinkpersist.blob.BlobInfo;
import io.flinkpersist.blob.BlobReader;
import io.flinkpersist.blob.BlobStore;
import io.flinkpersist.blob.BlobStoreException;
import io.flinkpersist.blob.BlobWriter;
import io.flinkpersist.blob.OutcomeUnknownException;
import java.io.IOException;
import java.util.List;
import java.util.Optional;
import java.util.Random;

/**
 * Wraps a blob store and fails a seeded share of its operations: some before applying them (a
 * {@link BlobStoreException}), some after applying them (an {@link OutcomeUnknownException} for
 * writes, a plain failure for reads and deletes). A write may also fail with an {@link
 * OutcomeUnknownException} without having been applied, as an upload that timed out before the
 * server took it: the caller cannot tell the two unknown outcomes apart. Every injected failure's
 * message starts with {@link #INJECTED}.
 */
public final class TestingFaultyBlobStore implements BlobStore {

    public static final String INJECTED = "injected fault";

    private final BlobStore inner;
    private final Random random;
    private final double failureRate;
    private boolean enabled = true;
    private long injected;

    public TestingFaultyBlobStore(BlobStore inner, long seed, double failureRate) {
        this.inner = inner;
        this.random = new Random(seed);
        this.failureRate = failureRate;
    }

    public void setEnabled(boolean enabled) {
        this.enabled = enabled;
    }

    public long injectedFailures() {
        return injected;
    }

    public static boolean isInjected(Throwable t) {
        for (Throwable e = t; e != null; e = e.getCause()) {
            if (e.getMessage() != null && e.getMessage().startsWith(INJECTED)) {
                return true;
            }
        }
        return false;
    }

    /** Whether to fail this call before applying it. */
    private synchronized boolean failBefore() {
        if (enabled && random.nextDouble() < failureRate / 2) {
            injected++;
            return true;
        }
        return false;
    }

    /** Whether to fail this write before applying it, without saying so. */
    private synchronized boolean failUnanswered() {
        if (enabled && random.nextDouble() < failureRate / 4) {
            injected++;
            return true;
        }
        return false;
    }

    /** Whether to fail this call after applying it. */
    private synchronized boolean failAfter() {
        if (enabled && random.nextDouble() < failureRate / 2) {
            injected++;
            return true;
        }
        return false;
    }

    private static BlobStoreException before(String op, String key) {
        return new BlobStoreException(INJECTED + " before " + op + " " + key);
    }

    private static OutcomeUnknownException after(String op, String key) {
        return new OutcomeUnknownException(INJECTED + " after " + op + " " + key, null);
    }

    private static OutcomeUnknownException unanswered(String op, String key) {
        return new OutcomeUnknownException(
                INJECTED + " without an answer to " + op + " " + key, null);
    }

    @Override
    public Optional<byte[]> get(String key) throws IOException {
        if (failBefore()) {
            throw before("get", key);
        }
        Optional<byte[]> out = inner.get(key);
        if (failAfter()) {
            throw new BlobStoreException(INJECTED + " after get " + key);
        }
        return out;
    }

    @Override
    public void putIfAbsent(String key, byte[] data) throws IOException {
        if (failBefore()) {
            throw before("put", key);
        }
        if (failUnanswered()) {
            throw unanswered("put", key);
        }
        inner.putIfAbsent(key, data);
        if (failAfter()) {
            throw after("put", key);
        }
    }

    @Override
    public BlobWriter create(String key) throws IOException {
        if (failBefore()) {
            throw before("create", key);
        }
        BlobWriter w = inner.create(key);
        return new BlobWriter() {
            @Override
            public void write(int b) throws IOException {
                w.write(b);
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                w.write(b, off, len);
            }

            @Override
            public long position() throws IOException {
                return w.position();
            }

            @Override
            public void publish() throws IOException {
                if (failBefore()) {
                    throw before("publish", key);
                }
                if (failUnanswered()) {
                    w.close();
                    throw unanswered("publish", key);
                }
                w.publish();
                if (failAfter()) {
                    throw after("publish", key);
                }
            }

            @Override
            public void close() throws IOException {
                w.close();
            }
        };
    }

    @Override
    public BlobReader open(String key) throws IOException {
        if (failBefore()) {
            throw before("open", key);
        }
        return inner.open(key);
    }

    @Override
    public boolean delete(String key) throws IOException {
        if (failBefore()) {
            throw before("delete", key);
        }
        boolean existed = inner.delete(key);
        if (failAfter()) {
            throw new BlobStoreException(INJECTED + " after delete " + key);
        }
        return existed;
    }

    @Override
    public List<BlobInfo> list(String prefix) throws IOException {
        if (failBefore()) {
            throw before("list", prefix);
        }
        return inner.list(prefix);
    }

    @Override
    public String describe() {
        return "faulty " + inner.describe();
    }

    @Override
    public void close() throws IOException {
        inner.close();
    }
}
