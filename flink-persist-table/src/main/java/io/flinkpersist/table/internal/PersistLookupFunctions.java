package io.flinkpersist.table.internal;

import java.io.IOException;
import java.util.Collection;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.apache.flink.annotation.Internal;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.functions.AsyncLookupFunction;
import org.apache.flink.table.functions.FunctionContext;
import org.apache.flink.table.functions.LookupFunction;

/** The SQL connector's lookup functions, both over one {@link PersistLookupFunction}. */
@Internal
public final class PersistLookupFunctions {

    private PersistLookupFunctions() {}

    /** Looks rows up one at a time. */
    public static final class Sync extends LookupFunction {
        private static final long serialVersionUID = 1L;
        private final PersistLookupFunction lookup;

        public Sync(PersistLookupFunction lookup) {
            this.lookup = lookup;
        }

        @Override
        public void open(FunctionContext context) throws Exception {
            lookup.open(context);
        }

        @Override
        public Collection<RowData> lookup(RowData keyRow) throws IOException {
            return lookup.lookup(keyRow);
        }

        @Override
        public void close() throws Exception {
            lookup.close();
        }
    }

    /**
     * Looks rows up off the task thread: the latest state on a thread of its own, a lookup as of a
     * time when the seal passes it, so the task goes on meanwhile.
     */
    public static final class Async extends AsyncLookupFunction {
        private static final long serialVersionUID = 1L;
        private final PersistLookupFunction lookup;
        private transient ExecutorService executor;

        public Async(PersistLookupFunction lookup) {
            this.lookup = lookup;
        }

        @Override
        public void open(FunctionContext context) throws Exception {
            lookup.open(context);
            executor =
                    Executors.newSingleThreadExecutor(
                            r -> {
                                Thread t = new Thread(r, "persist-lookup");
                                t.setDaemon(true);
                                return t;
                            });
        }

        @Override
        public CompletableFuture<Collection<RowData>> asyncLookup(RowData keyRow) {
            return lookup.lookupAsync(keyRow, executor);
        }

        @Override
        public void close() throws Exception {
            if (executor != null) {
                executor.shutdownNow();
            }
            lookup.close();
        }
    }
}
