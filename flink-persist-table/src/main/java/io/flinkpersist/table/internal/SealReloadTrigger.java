package io.flinkpersist.table.internal;

import io.flinkpersist.CollectionConfig;
import io.flinkpersist.Frontier;
import io.flinkpersist.PersistCollection;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.flink.annotation.Internal;
import org.apache.flink.table.connector.source.lookup.cache.trigger.CacheReloadTrigger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reloads a lookup join's FULL cache when the collection's seal advances: it loads once when the
 * join starts, then reads the collection's state every {@code pollInterval} and reloads only if the
 * seal moved since the last load (a new complete state exists), never on a timer alone.
 */
@Internal
final class SealReloadTrigger implements CacheReloadTrigger {

    private static final long serialVersionUID = 1L;

    private static final Logger LOG = LoggerFactory.getLogger(SealReloadTrigger.class);

    private final String location;
    private final String collection;
    private final Duration pollInterval;

    private transient PersistCollection opened;
    private transient ScheduledExecutorService poller;
    private transient Context context;
    private transient Frontier loaded;

    SealReloadTrigger(String location, String collection, Duration pollInterval) {
        this.location = location;
        this.collection = collection;
        this.pollInterval = pollInterval;
    }

    @Override
    public void open(Context context) throws Exception {
        this.context = context;
        opened = PersistCollection.openExisting(location, collection, CollectionConfig.defaults());
        loaded = opened.state().seal();
        context.triggerReload();
        poller =
                Executors.newSingleThreadScheduledExecutor(
                        r -> {
                            Thread t = new Thread(r, "persist-full-cache-" + collection);
                            t.setDaemon(true);
                            return t;
                        });
        long every = Math.max(1, pollInterval.toMillis());
        poller.scheduleWithFixedDelay(this::poll, every, every, TimeUnit.MILLISECONDS);
    }

    private void poll() {
        try {
            Frontier seal = opened.refresh().seal();
            if (!seal.equals(loaded)) {
                LOG.info(
                        "Reloading the lookup cache of collection {}: its seal moved from {} to {}",
                        collection,
                        loaded,
                        seal);
                loaded = seal;
                context.triggerReload().get();
            }
        } catch (Exception e) {
            // Tried again at the next poll; the cache keeps serving the state it holds.
            LOG.warn("Cannot check collection {} for a new seal: {}", collection, e.toString());
        }
    }

    @Override
    public void close() throws Exception {
        if (poller != null) {
            poller.shutdownNow();
            poller.awaitTermination(10, TimeUnit.SECONDS);
        }
        if (opened != null) {
            opened.close();
        }
    }
}
