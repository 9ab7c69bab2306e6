package io.flinkpersist.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flinkpersist.Frontier;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * {@link CollectionState#validate()} and {@link CollectionState#validateSuccessor}: a valid state
 * passes, and each invariant violation fails with its id and exact message. Also {@link
 * Description#admits}, the per-update part of I6.
 */
class CollectionStateValidateTest {

    /**
     * A valid state: seal {20}, since {5}, trace [0,5) [5,10) [10,15) with levels 2,1,1, two
     * unsealed batches, two writers, two retired blobs.
     */
    private static CollectionState.Builder valid() {
        return CollectionState.builder()
                .seqNo(7)
                .seal(Frontier.at(20))
                .since(Frontier.at(5))
                .nextSeqNo(4)
                .unsealed(List.of(unsealed("u-a", 0, 1, 3, 12), unsealed("u-b", 1, 3, 15, 25)))
                .trace(
                        List.of(
                                trace("t-a", 0, 5, 5, 2),
                                trace("t-b", 5, 10, 0, 1),
                                trace("t-c", 10, 15, 0, 1)))
                .writers(Map.of("writer-0", 3L, "writer-1", 9L))
                .retired(List.of(new RetiredBlob("r-a", 4), new RetiredBlob("r-b", 7)));
    }

    private static UnsealedBatchMeta unsealed(
            String key, long start, long end, long tsLower, long tsUpper) {
        return new UnsealedBatchMeta(key, new SeqNoRange(start, end), tsLower, tsUpper, 100, 10);
    }

    private static TraceBatchMeta trace(String key, long lower, long upper, long since, int level) {
        return new TraceBatchMeta(key, Description.of(lower, upper, since), level, 100, 10);
    }

    private static void assertViolation(ThrowingCallable call, String invariant, String message) {
        assertThatThrownBy(call)
                .isInstanceOfSatisfying(
                        InvariantViolationException.class,
                        e -> assertThat(e.invariant()).isEqualTo(invariant))
                .hasMessage(message);
    }

    private static void assertInvalid(
            CollectionState.Builder state, String invariant, String message) {
        assertViolation(state.build()::validate, invariant, message);
    }

    @Test
    void validStatePasses() {
        CollectionState s = valid().build();
        assertThat(s.validate()).isSameAs(s);
        assertThat(s.traceUpper()).isEqualTo(Frontier.at(15));
    }

    @Test
    void initialStateAndClosedSealPass() {
        assertThatCode(() -> CollectionState.initial().validate()).doesNotThrowAnyException();
        TraceBatchMeta toEnd =
                new TraceBatchMeta(
                        "t-d",
                        new Description(Frontier.at(15), Frontier.closed(), Frontier.at(5)),
                        0,
                        1,
                        0);
        List<TraceBatchMeta> trace = new ArrayList<>(valid().build().trace());
        trace.add(toEnd);
        assertThatCode(() -> valid().seal(Frontier.closed()).trace(trace).build().validate())
                .doesNotThrowAnyException();
    }

    // ---- I1 ----

    @Test
    void i1TraceUpperPastSeal() {
        assertInvalid(
                valid().seal(Frontier.at(12)),
                "I1",
                "I1 violated: trace upper must not pass the seal (traceUpper={15}, seal={12})");
    }

    // ---- I3 ----

    @Test
    void i3EmptySeqNoRange() {
        assertInvalid(
                valid().unsealed(
                                List.of(
                                        unsealed("u-a", 0, 1, 3, 12),
                                        unsealed("u-b", 2, 2, 15, 25))),
                "I3",
                "I3 violated: unsealed SeqNo range must be non-empty (start=2, end=2)");
    }

    @Test
    void i3NegativeSeqNoRange() {
        assertInvalid(
                valid().unsealed(List.of(unsealed("u-a", -1, 1, 3, 12))),
                "I3",
                "I3 violated: unsealed SeqNo range must be non-empty (start=-1, end=1)");
    }

    @Test
    void i3OverlappingRanges() {
        assertInvalid(
                valid().unsealed(
                                List.of(
                                        unsealed("u-a", 0, 2, 3, 12),
                                        unsealed("u-b", 1, 3, 15, 25))),
                "I3",
                "I3 violated: unsealed SeqNo ranges must increase without overlap (index=1, previous end=2, start=1)");
    }

    @Test
    void i3DecreasingRanges() {
        assertInvalid(
                valid().unsealed(
                                List.of(
                                        unsealed("u-b", 1, 3, 15, 25),
                                        unsealed("u-a", 0, 1, 3, 12))),
                "I3",
                "I3 violated: unsealed SeqNo ranges must increase without overlap (index=1, previous end=3, start=0)");
    }

    @Test
    void i3AdjacentRangesPass() {
        assertThatCode(
                        () ->
                                valid().unsealed(
                                                List.of(
                                                        unsealed("u-a", 0, 2, 3, 12),
                                                        unsealed("u-b", 2, 4, 15, 25)))
                                        .build()
                                        .validate())
                .doesNotThrowAnyException();
    }

    @Test
    void i3RangeBeyondNextSeqNo() {
        assertInvalid(
                valid().nextSeqNo(2),
                "I3",
                "I3 violated: unsealed SeqNo ranges must lie below nextSeqNo (last end=3, nextSeqNo=2)");
    }

    // ---- I4 ----

    @Test
    void i4TsLowerAboveTsUpper() {
        assertInvalid(
                valid().unsealed(List.of(unsealed("u-a", 0, 1, 13, 12))),
                "I4",
                "I4 violated: unsealed batch must have 0 <= tsLower <= tsUpper (key=u-a, tsLower=13, tsUpper=12)");
    }

    @Test
    void i4NegativeTsLower() {
        assertInvalid(
                valid().unsealed(List.of(unsealed("u-a", 0, 1, -1, 12))),
                "I4",
                "I4 violated: unsealed batch must have 0 <= tsLower <= tsUpper (key=u-a, tsLower=-1, tsUpper=12)");
    }

    @Test
    void i4NoUpdates() {
        assertInvalid(
                valid().unsealed(
                                List.of(
                                        new UnsealedBatchMeta(
                                                "u-a", new SeqNoRange(0, 1), 3, 12, 100, 0))),
                "I4",
                "I4 violated: unsealed batch must hold updates (key=u-a, updateCount=0, sizeBytes=100)");
    }

    // ---- I5 ----

    @Test
    void i5EmptyInterval() {
        assertInvalid(
                valid().trace(List.of(trace("t-a", 0, 5, 5, 2), trace("t-b", 5, 5, 0, 1))),
                "I5",
                "I5 violated: trace batch interval must be non-empty (lower={5}, upper={5})");
    }

    @Test
    void i5NonContiguousTrace() {
        assertInvalid(
                valid().trace(List.of(trace("t-a", 0, 5, 5, 2), trace("t-b", 6, 10, 0, 1))),
                "I5",
                "I5 violated: trace batches must be contiguous from {0} (index=1, expected lower={5}, lower={6})");
    }

    @Test
    void i5TraceNotStartingAtZero() {
        assertInvalid(
                valid().trace(List.of(trace("t-a", 2, 5, 5, 2))),
                "I5",
                "I5 violated: trace batches must be contiguous from {0} (index=0, expected lower={0}, lower={2})");
    }

    /**
     * The I1 check (on the last batch's upper) runs first, so the per-batch I5 check is only
     * reached when an earlier batch passes the seal while the last one does not: [0,20) then [5,8),
     * seal {10}.
     */
    @Test
    void i5TraceBatchUpperBeyondSeal() {
        assertInvalid(
                valid().seal(Frontier.at(10))
                        .trace(List.of(trace("t-a", 0, 20, 5, 1), trace("t-b", 5, 8, 0, 1))),
                "I5",
                "I5 violated: trace batch upper must not pass the seal (index=0, upper={20}, seal={10})");
    }

    @Test
    void i5NegativeLevel() {
        assertInvalid(
                valid().trace(List.of(trace("t-a", 0, 5, 5, -1))),
                "I5",
                "I5 violated: trace batch must have level >= 0 and a size (key=t-a, level=-1, sizeBytes=100, updateCount=10)");
    }

    // ---- I6 ----

    @Test
    void i6BatchSinceBeyondCollectionSince() {
        assertInvalid(
                valid().trace(List.of(trace("t-a", 0, 5, 5, 2), trace("t-b", 5, 10, 6, 1))),
                "I6",
                "I6 violated: trace batch since must not pass the collection since (index=1, batch since={6}, since={5})");
    }

    // ---- I7 ----

    @Test
    void i7IncreasingLevel() {
        assertInvalid(
                valid().trace(
                                List.of(
                                        trace("t-a", 0, 5, 5, 2),
                                        trace("t-b", 5, 10, 0, 1),
                                        trace("t-c", 10, 15, 0, 2))),
                "I7",
                "I7 violated: trace levels must not increase from oldest to newest (index=2, previous level=1, level=2)");
    }

    /**
     * Trace batch t-c of two runs, at {@code level}, its second run starting with {@code lower}.
     */
    private static CollectionState.Builder twoRuns(int level, byte[] lower) {
        TraceBatchMeta runs =
                TraceBatchMeta.ofParts(
                        Description.of(10, 15, 0),
                        level,
                        List.of(
                                BatchPart.whole("t-c", 100, 10),
                                new BatchPart("t-c2", lower, 100, 10, 0, 1)));
        return valid().trace(List.of(trace("t-a", 0, 5, 5, 2), trace("t-b", 5, 10, 0, 1), runs));
    }

    @Test
    void i7SeveralRunsOnlyAtLevelZero() {
        assertThatCode(() -> twoRuns(0, new byte[0]).build().validate()).doesNotThrowAnyException();
        assertInvalid(
                twoRuns(1, new byte[0]),
                "I7",
                "I7 violated: only a level-0 trace batch may hold several sorted runs (key=t-c, level=1, runs=2)");
    }

    @Test
    void i8ARunStartsWithAPartWithoutLowerBound() {
        assertInvalid(
                twoRuns(0, new byte[] {7}),
                "I8",
                "I8 violated: trace batch runs must be numbered in order from 0, each starting with a part without lower bound (key=t-c, part 1=BatchPart{key=t-c2, lower=07, sizeBytes=100, updateCount=10, diffSum=0, run=1})");
    }

    // ---- I9 ----

    @Test
    void i9DuplicateKeyUnsealedAndTrace() {
        assertInvalid(
                valid().unsealed(List.of(unsealed("t-b", 0, 1, 3, 12))),
                "I9",
                "I9 violated: batch keys must be unique (duplicate key=t-b)");
    }

    @Test
    void i9DuplicateKeyRetiredAndLive() {
        assertInvalid(
                valid().retired(List.of(new RetiredBlob("u-b", 4))),
                "I9",
                "I9 violated: batch keys must be unique (duplicate key=u-b)");
    }

    @Test
    void i9RetiredAfterTheState() {
        assertInvalid(
                valid().retired(List.of(new RetiredBlob("r-a", 4), new RetiredBlob("r-b", 8))),
                "I9",
                "I9 violated: a blob cannot be retired after the state that records it (key=r-b, retiredAt=8, seqNo=7)");
    }

    // ---- I11 ----

    @Test
    void i11NegativeSeqNo() {
        assertInvalid(
                valid().seqNo(-1), "I11", "I11 violated: state seqNo must be >= 0 (seqNo=-1)");
    }

    @Nested
    class Successor {

        private final CollectionState previous = valid().build();

        @Test
        void nextVersionPasses() {
            CollectionState next =
                    previous.toBuilder()
                            .seqNo(8)
                            .seal(Frontier.closed())
                            .since(Frontier.at(6))
                            .build();
            assertThatCode(() -> previous.validateSuccessor(next)).doesNotThrowAnyException();
        }

        @Test
        void i11SeqNoJump() {
            CollectionState next = previous.toBuilder().seqNo(9).build();
            assertViolation(
                    () -> previous.validateSuccessor(next),
                    "I11",
                    "I11 violated: state seqNo must grow by exactly one per commit (previous=7, next=9)");
        }

        @Test
        void i11SameSeqNo() {
            assertViolation(
                    () -> previous.validateSuccessor(previous),
                    "I11",
                    "I11 violated: state seqNo must grow by exactly one per commit (previous=7, next=7)");
        }

        @Test
        void i1SealRegression() {
            CollectionState next = previous.toBuilder().seqNo(8).seal(Frontier.at(19)).build();
            assertViolation(
                    () -> previous.validateSuccessor(next),
                    "I1",
                    "I1 violated: seal must not regress (previous={20}, next={19})");
        }

        @Test
        void i1SinceRegression() {
            CollectionState next = previous.toBuilder().seqNo(8).since(Frontier.at(4)).build();
            assertViolation(
                    () -> previous.validateSuccessor(next),
                    "I1",
                    "I1 violated: since must not regress (previous={5}, next={4})");
        }
    }

    /**
     * I6 for one update time: {@code lower <= t}, and {@code t < upper} if since < upper, else t <=
     * since.
     */
    @Nested
    class Admits {

        @Test
        void sinceBeforeUpperRequiresTimeBeforeUpper() {
            Description d = Description.of(5, 10, 7);
            assertThat(d.admits(5)).isTrue();
            assertThat(d.admits(7)).isTrue();
            assertThat(d.admits(9)).isTrue();
            assertThat(d.admits(10)).isFalse();
            assertThat(d.admits(11)).isFalse();
        }

        @Test
        void sinceAtOrBeyondUpperRequiresTimeAtOrBeforeSince() {
            Description d = Description.of(5, 10, 12);
            assertThat(d.admits(9)).isTrue();
            assertThat(d.admits(10)).isTrue();
            assertThat(d.admits(12)).isTrue();
            assertThat(d.admits(13)).isFalse();

            Description atUpper = Description.of(0, 10, 10);
            assertThat(atUpper.admits(10)).isTrue();
            assertThat(atUpper.admits(11)).isFalse();
        }

        @Test
        void lowerBoundIsInclusive() {
            assertThat(Description.of(5, 10, 0).admits(4)).isFalse();
            assertThat(Description.of(5, 10, 0).admits(5)).isTrue();
            assertThat(Description.of(5, 10, 12).admits(4)).isFalse();
        }

        @Test
        void closedUpperAdmitsEveryLaterTime() {
            Description d = new Description(Frontier.at(5), Frontier.closed(), Frontier.at(7));
            assertThat(d.admits(Frontier.MAX_TIME - 1)).isTrue();
            assertThat(d.admits(4)).isFalse();
        }
    }
}
