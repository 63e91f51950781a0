package org.microthreads;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * One wrapper, whatever the number of hops (ADR 0025): a {@link FailedException}'s cause is the
 * original failure, never another FailedException; its message names each hop once; the
 * intermediate hops ride along as suppressed exceptions, with their stacks.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class FailureWrappingTest {

    /** The issue's program: a run whose main iterates a pipe fed by a producer that throws. */
    @Test
    void theIssuesProgramFailsWithOneWrapperNamingEachHopOnce() throws Exception {
        try (Loop loop = Loop.singleCarrier("etl")) {
            FailedException e = catchThrowableOfType(FailedException.class, () -> loop.run(() -> {
                Pipe<Integer> recs = Pipe.produce("reader", Pipe.<Integer>buffered(4).named("recs"), out -> {
                    for (String s : List.of("1", "2", "x")) out.put(Integer.parseInt(s));
                });
                int sum = 0;
                for (int v : recs) sum += v;
                return sum;
            }));
            String chain = chain(e);
            System.out.println("[FailureWrappingTest] the issue's program:\n" + chain); // what a user sees
            assertThat(e).hasMessage("main micro-thread of loop 'etl' failed: pipe 'recs' failed: "
                    + "java.lang.NumberFormatException: For input string: \"x\"");
            assertThat(e.getCause()).isInstanceOf(NumberFormatException.class).hasNoCause();
            assertThat(frames(e.getCause())).as("the producer's stack").contains("parseInt");
            assertThat(frames(e)).as("the collector's stack: run's caller").contains("theIssuesProgramFailsWithOneWrapperNamingEachHopOnce");
            assertThat(e.getSuppressed()).hasSize(1);
            Throwable hop = e.getSuppressed()[0];
            assertThat(hop).isInstanceOf(FailedException.class)
                    .hasMessage("pipe 'recs' failed: java.lang.NumberFormatException: For input string: \"x\"");
            assertThat(hop.getCause()).as("printed once, as the cause of the outer one").isNull();
            assertThat(frames(hop)).as("the hop's stack: main's for-each over the pipe").contains("Pipe$1.hasNext");
            assertThat(loop.failureCount()).as("the taker observed the producer's failure").isZero();
            assertThat(chain).contains("\tSuppressed: org.microthreads.FailedException: pipe 'recs' failed: java.lang.NumberFormatException",
                    "\nCaused by: java.lang.NumberFormatException: For input string: \"x\"").doesNotContain("CIRCULAR");
        }
    }

    @Test
    void aPipelineOfTwoStagesNamesBothPipesOnce() throws Exception {
        try (Loop loop = Loop.singleCarrier("pipeline")) {
            FailedException e = catchThrowableOfType(FailedException.class, () -> loop.run(() -> {
                Pipe<Integer> parsed = Pipe.produce("parse", Pipe.<Integer>rendezvous().named("parsed"), out -> {
                    for (String s : List.of("1", "x")) out.put(Integer.parseInt(s));
                });
                Pipe<Integer> doubled = Pipe.produce("double", Pipe.<Integer>rendezvous().named("doubled"), out -> {
                    for (int v : parsed) out.put(2 * v);
                });
                int sum = 0;
                for (int v : doubled) sum += v;
                return sum;
            }));
            assertThat(e).hasMessage("main micro-thread of loop 'pipeline' failed: pipe 'doubled' failed: pipe 'parsed' failed: "
                    + "java.lang.NumberFormatException: For input string: \"x\"");
            assertThat(e.getCause()).isInstanceOf(NumberFormatException.class);
            Throwable outerHop = e.getSuppressed()[0];
            assertThat(outerHop).hasMessageStartingWith("pipe 'doubled' failed: pipe 'parsed' failed:");
            assertThat(outerHop.getSuppressed()).hasSize(1);
            assertThat(outerHop.getSuppressed()[0]).hasMessageStartingWith("pipe 'parsed' failed: java.lang.NumberFormatException");
            assertThat(loop.failureCount()).isZero();
        }
    }

    @Test
    void joinsOfJoinsAndAwaitsUnwrapTheSameWay() throws Exception {
        try (Loop loop = Loop.singleCarrier("joins")) {
            loop.run(() -> {
                MicroThread<Integer> a = MicroThread.parallel("a", () -> Integer.parseInt("x"));
                MicroThread<Integer> b = MicroThread.parallel("b", a::join);
                FailedException viaJoin = catchThrowableOfType(FailedException.class, b::join);
                assertThat(viaJoin).hasMessage("micro-thread 'b' failed: micro-thread 'a' failed: "
                        + "java.lang.NumberFormatException: For input string: \"x\"");
                assertThat(viaJoin.getCause()).isInstanceOf(NumberFormatException.class);
                assertThat(viaJoin.getSuppressed()).singleElement().isInstanceOf(FailedException.class);

                Deferred<String> d = new Deferred<>();
                d.fail(viaJoin);
                FailedException viaDeferred = catchThrowableOfType(FailedException.class, d::await);
                assertThat(viaDeferred.getMessage()).endsWith(" failed: micro-thread 'b' failed: micro-thread 'a' failed: "
                        + "java.lang.NumberFormatException: For input string: \"x\"");
                assertThat(viaDeferred.getCause()).isSameAs(viaJoin.getCause());
                assertThat(viaDeferred.getSuppressed()).singleElement().satisfies(hop -> {
                    assertThat(hop).hasMessage(viaJoin.getMessage());
                    assertThat(hop.getStackTrace()).isEqualTo(viaJoin.getStackTrace());
                    assertThat(hop.getSuppressed()).as("the hops before it ride along too").hasSize(1);
                });

                FailedException viaStage = catchThrowableOfType(FailedException.class,
                        () -> MicroThread.await(CompletableFuture.failedFuture(viaJoin)));
                assertThat(viaStage.getCause()).isSameAs(viaJoin.getCause());
                assertThat(viaStage.getMessage()).contains(" failed: micro-thread 'b' failed: micro-thread 'a' failed: ");
                return null;
            });
            assertThat(loop.failureCount()).isZero();
        }
    }

    @Test
    void aFailureThatIsNoFailedExceptionIsWrappedOnceAsBefore() throws Exception {
        try (Loop loop = Loop.singleCarrier("plain")) {
            FailedException e = catchThrowableOfType(FailedException.class, () -> loop.run(() -> {
                throw new IllegalStateException("disk full");
            }));
            assertThat(e).hasMessage("main micro-thread of loop 'plain' failed: java.lang.IllegalStateException: disk full");
            assertThat(e.getCause()).isInstanceOf(IllegalStateException.class);
            assertThat(e.getSuppressed()).isEmpty();
        }
    }

    /** The whole printed chain, as a log would show it. */
    private static String chain(Throwable t) {
        StringWriter w = new StringWriter();
        t.printStackTrace(new PrintWriter(w));
        return w.toString();
    }

    private static String frames(Throwable t) {
        return Arrays.toString(t.getStackTrace());
    }
}
