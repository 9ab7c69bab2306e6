package io.flinkpersist.blob;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.function.LongSupplier;

/**
 * A blob store in the heap, for tests. Thread-safe. Several handles may share one store's contents
 * through {@link #sharing()} to simulate independent processes.
 */
public final class InMemoryBlobStore implements BlobStore {

    private record Entry(byte[] data, long lastModifiedMillis) {}

    private final ConcurrentSkipListMap<String, Entry> blobs;
    private final LongSupplier clock;
    private final String name;

    public InMemoryBlobStore() {
        this("memory", System::currentTimeMillis);
    }

    public InMemoryBlobStore(String name, LongSupplier clockMillis) {
        this(new ConcurrentSkipListMap<>(), name, clockMillis);
    }

    private InMemoryBlobStore(
            ConcurrentSkipListMap<String, Entry> blobs, String name, LongSupplier clock) {
        this.blobs = blobs;
        this.name = name;
        this.clock = clock;
    }

    /** Another handle on the same contents. */
    public InMemoryBlobStore sharing() {
        return new InMemoryBlobStore(blobs, name, clock);
    }

    @Override
    public Optional<byte[]> get(String key) {
        Entry e = blobs.get(key);
        return e == null ? Optional.empty() : Optional.of(e.data.clone());
    }

    @Override
    public void putIfAbsent(String key, byte[] data) throws IOException {
        if (blobs.putIfAbsent(key, new Entry(data.clone(), clock.getAsLong())) != null) {
            throw new BlobAlreadyExistsException(key, describe());
        }
    }

    @Override
    public BlobWriter create(String key) {
        return new BlobWriter() {
            private final ByteArrayOutputStream buffer = new ByteArrayOutputStream();
            private boolean done;

            @Override
            public void write(int b) throws IOException {
                checkOpen();
                buffer.write(b);
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                checkOpen();
                buffer.write(b, off, len);
            }

            @Override
            public long position() {
                return buffer.size();
            }

            @Override
            public void publish() throws IOException {
                checkOpen();
                done = true;
                putIfAbsent(key, buffer.toByteArray());
            }

            @Override
            public void close() {
                done = true;
            }

            private void checkOpen() throws IOException {
                if (done) {
                    throw new IOException("Cannot write blob " + key + ": writer is closed");
                }
            }
        };
    }

    @Override
    public BlobReader open(String key) throws IOException {
        Entry e = blobs.get(key);
        if (e == null) {
            throw new BlobNotFoundException(key, describe());
        }
        byte[] data = e.data;
        return new BlobReader() {
            @Override
            public String key() {
                return key;
            }

            @Override
            public long length() {
                return data.length;
            }

            @Override
            public int read(long position, byte[] buffer, int offset, int length) {
                if (position >= data.length) {
                    return -1;
                }
                int n = (int) Math.min(length, data.length - position);
                System.arraycopy(data, (int) position, buffer, offset, n);
                return n;
            }

            @Override
            public void close() {}
        };
    }

    @Override
    public boolean delete(String key) {
        return blobs.remove(key) != null;
    }

    @Override
    public List<BlobInfo> list(String prefix) {
        List<BlobInfo> out = new ArrayList<>();
        for (Map.Entry<String, Entry> e : blobs.tailMap(prefix, true).entrySet()) {
            if (!e.getKey().startsWith(prefix)) {
                break;
            }
            out.add(
                    new BlobInfo(
                            e.getKey(), e.getValue().data.length, e.getValue().lastModifiedMillis));
        }
        return out;
    }

    /** Replaces a blob's bytes behind the store's back; for corruption tests only. */
    public void corrupt(String key, byte[] data) {
        Entry old = blobs.get(key);
        blobs.put(
                key,
                new Entry(data.clone(), old == null ? clock.getAsLong() : old.lastModifiedMillis));
    }

    @Override
    public String describe() {
        return name;
    }

    @Override
    public void close() {}
}
