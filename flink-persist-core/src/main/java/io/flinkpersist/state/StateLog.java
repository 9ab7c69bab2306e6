package io.flinkpersist.state;

import io.flinkpersist.CollectionSchema;
import io.flinkpersist.blob.BlobAlreadyExistsException;
import io.flinkpersist.blob.BlobStore;
import io.flinkpersist.blob.CorruptBlobException;
import io.flinkpersist.blob.OutcomeUnknownException;
import java.io.IOException;
import java.util.Arrays;
import java.util.Optional;
import java.util.OptionalLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The versioned state records of one collection and the only place that commits them.
 *
 * <p>A commit applies a {@link Transition} to the latest state known and publishes version {@code
 * n+1} by put-if-absent of {@code state/<n+1>}. Losing that race means another committer published
 * {@code n+1}: read forward to the new latest version, re-apply the transition there, and try
 * again. A put whose outcome is unknown is resolved by reading the record back. In-memory state is
 * never patched after a failed write.
 */
public final class StateLog {

    private static final Logger LOG = LoggerFactory.getLogger(StateLog.class);

    /** Bound on compare-and-set retries of one commit before reporting a conflict. */
    private static final int MAX_ATTEMPTS = 1000;

    private final BlobStore store;

    public StateLog(BlobStore store) {
        this.store = store;
    }

    /** The outcome of a commit: the applied transition and the latest state after it. */
    public record Committed(Arrangement.Applied applied, CollectionState latest) {}

    /**
     * Reads the latest state, creating version 0 for a new collection.
     *
     * @throws CorruptBlobException if the latest record does not decode
     */
    public CollectionState openOrCreate() throws IOException {
        return openOrCreate(Optional.empty());
    }

    /**
     * Reads the latest state, creating version 0 holding {@code schema} for a new collection. An
     * existing collection is returned as it is: recording or checking its schema is the caller's.
     *
     * @throws CorruptBlobException if the latest record does not decode
     */
    public CollectionState openOrCreate(Optional<CollectionSchema> schema) throws IOException {
        Optional<CollectionState> latest = readLatest();
        if (latest.isPresent()) {
            return latest.get();
        }
        CollectionState initial = CollectionState.initial().toBuilder().schema(schema).build();
        try {
            store.putIfAbsent(CollectionLayout.stateKey(0), StateRecordCodec.encode(initial));
        } catch (BlobAlreadyExistsException e) {
            // Another process created the collection at the same time.
        } catch (OutcomeUnknownException e) {
            LOG.debug(
                    "Creating the initial state record had an unknown outcome; reading it back", e);
        }
        return readForward(
                readRecord(0)
                        .orElseThrow(
                                () ->
                                        new CorruptBlobException(
                                                CollectionLayout.stateKey(0),
                                                "initial state record vanished right after it was created")));
    }

    /** The latest committed state, if the collection exists, found by listing the state records. */
    public Optional<CollectionState> readLatest() throws IOException {
        for (int attempt = 0; ; attempt++) {
            OptionalLong latest =
                    store.list(CollectionLayout.STATE_PREFIX).stream()
                            .map(info -> CollectionLayout.seqNoOf(info.key()))
                            .filter(OptionalLong::isPresent)
                            .mapToLong(OptionalLong::getAsLong)
                            .max();
            if (latest.isEmpty()) {
                return Optional.empty();
            }
            long max = latest.getAsLong();
            Optional<CollectionState> state = readRecord(max);
            if (state.isPresent()) {
                return Optional.of(readForward(state.get()));
            }
            // Pruned between the listing and the read: many commits happened meanwhile; list again.
            if (attempt >= 10) {
                throw new CorruptBlobException(
                        CollectionLayout.stateKey(max),
                        "the state record was listed but could not be read, 10 times in a row");
            }
        }
    }

    /** The state record of version {@code seqNo}, if it exists. */
    public Optional<CollectionState> readRecord(long seqNo) throws IOException {
        String key = CollectionLayout.stateKey(seqNo);
        Optional<byte[]> bytes = store.get(key);
        if (bytes.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(StateRecordCodec.decode(key, bytes.get()));
    }

    /**
     * Follows {@code state} forward to the newest version. If {@code state}'s own record has been
     * pruned meanwhile (the caller is far behind), the newest version is found by listing instead.
     */
    public CollectionState readForward(CollectionState state) throws IOException {
        while (true) {
            Optional<CollectionState> next = readRecord(state.seqNo() + 1);
            if (next.isEmpty()) {
                if (!exists(state.seqNo())) {
                    String pruned = CollectionLayout.stateKey(state.seqNo());
                    return readLatest()
                            .orElseThrow(
                                    () ->
                                            new CorruptBlobException(
                                                    pruned, "every state record has disappeared"));
                }
                return state;
            }
            state.validateSuccessor(next.get());
            state = next.get();
        }
    }

    private boolean exists(long seqNo) throws IOException {
        return store.get(CollectionLayout.stateKey(seqNo)).isPresent();
    }

    /**
     * Applies {@code transition} to the latest state (starting from {@code base}) and commits it.
     * Caller errors from the transition (e.g. a late update, a regressing seal) propagate once the
     * latest state has been read.
     */
    public Committed commit(CollectionState base, Transition transition) throws IOException {
        CollectionState current = base;
        for (int attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
            Arrangement.Applied applied;
            try {
                applied = Arrangement.apply(current, transition);
            } catch (IllegalArgumentException | LeaseExpiredException e) {
                // Judge caller errors against the newest state, not a stale one.
                CollectionState latest = readForward(current);
                if (latest.seqNo() != current.seqNo()) {
                    current = latest;
                    continue;
                }
                throw e;
            }
            if (!applied.changed()) {
                return new Committed(applied, current);
            }
            CollectionState next = applied.state();
            byte[] record = StateRecordCodec.encode(next);
            String key = CollectionLayout.stateKey(next.seqNo());
            boolean published;
            try {
                store.putIfAbsent(key, record);
                published = true;
            } catch (BlobAlreadyExistsException e) {
                published = false;
            } catch (OutcomeUnknownException e) {
                Optional<byte[]> stored = readBack(key, e);
                published = stored.isPresent() && Arrays.equals(stored.get(), record);
            }
            if (published && !exists(current.seqNo())) {
                // Our base version has been pruned, so version n+1 existed and was pruned too: we
                // re-created a pruned slot instead of extending the history. Undo and start over.
                LOG.warn(
                        "Commit of {} re-created pruned state record {}; removing it and re-reading (location={})",
                        transition.getClass().getSimpleName(),
                        key,
                        store.describe());
                store.delete(key);
                published = false;
            }
            if (published) {
                return new Committed(applied, next);
            }
            current = readForward(current);
        }
        throw new CommitConflictException(
                "Cannot commit "
                        + transition.getClass().getSimpleName()
                        + ": lost the compare-and-set "
                        + MAX_ATTEMPTS
                        + " times in a row (location="
                        + store.describe()
                        + ")");
    }

    private Optional<byte[]> readBack(String key, OutcomeUnknownException cause)
            throws IOException {
        IOException last = cause;
        for (int i = 0; i < 10; i++) {
            try {
                return store.get(key);
            } catch (IOException e) {
                last = e;
            }
        }
        throw last;
    }
}
