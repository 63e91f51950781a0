package org.microthreads;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.CancellationException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The rule: an exception says which pipe ended ({@code pipe()}), and the pipe says whether it
 * failed ({@link Pipe#failure()}); whether an exception has a cause says nothing.
 */
@Timeout(60)
class WhichPipeEndedTest {

    @Test
    void aSelectOverSeveralPipesSaysWhichOneFailedAndWithWhat() throws Exception {
        Pipe<String> a = Pipe.<String>buffered(1).named("a");
        Pipe<String> b = Pipe.<String>buffered(1).named("b");
        Pipe<String> c = Pipe.<String>buffered(1).named("c");
        c.close();
        IllegalStateException boom = new IllegalStateException("boom");
        b.fail(boom);
        // 'c' is closed and 'b' failed: a select sees one of them; try until each was seen
        boolean sawB = false, sawC = false;
        for (int i = 0; i < 1_000 && !(sawB && sawC); i++) {
            try {
                Select.select(a.onTake(x -> x), b.onTake(x -> x), c.onTake(x -> x));
            } catch (FailedException e) {
                assertThat(e.pipe()).containsSame(b);
                assertThat(e.getCause()).isSameAs(boom);
                assertThat(e.pipe().orElseThrow().failure()).containsSame(boom);
                sawB = true;
            } catch (PipeClosedException e) {
                assertThat(e.pipe()).isSameAs(c);
                assertThat(e.getCause()).as("a closed pipe's exception has a cause too: where it was closed").isNotNull();
                assertThat(e.pipe().failure()).as("yet the pipe did not fail").isEmpty();
                sawC = true;
            }
        }
        assertThat(sawB && sawC).isTrue();
        assertThat(a.failure()).as("open").isEmpty();
    }

    @Test
    void onTakeOrClosedStillThrowsForAFailedPipeNamingIt() throws Exception {
        Pipe<String> a = Pipe.buffered(1);
        Pipe<String> b = Pipe.buffered(1);
        RuntimeException cause = new RuntimeException("b broke");
        b.fail(cause);
        assertThatThrownBy(() -> Select.select(a.onTakeOrClosed(x -> x), b.onTakeOrClosed(x -> x)))
                .isInstanceOfSatisfying(FailedException.class, e -> {
                    assertThat(e.pipe()).containsSame(b);
                    assertThat(e.getCause()).isSameAs(cause);
                });
    }

    @Test
    void everyTakeFormNamesTheFailedPipe() throws Exception {
        RuntimeException cause = new RuntimeException("x");
        Pipe<Integer> p = Pipe.<Integer>buffered(2).named("p");
        p.put(1);
        p.fail(cause);
        assertThat(p.take()).as("the buffer is still taken").isEqualTo(1);
        for (ThrowingCall call : new ThrowingCall[] {p::take, p::takeOrClosed, p::tryTake,
                () -> p.tryTake(java.time.Duration.ofMillis(1)), () -> p.iterator().hasNext(), () -> p.stream().count()}) {
            assertThatThrownBy(call::run).isInstanceOfSatisfying(FailedException.class, e -> {
                assertThat(e.pipe()).containsSame(p);
                assertThat(e.getCause()).isSameAs(cause);
                assertThat(e).hasMessage("pipe 'p' failed: " + cause);
            });
        }
        // a put on a failed pipe: PipeClosedException naming it; its cause is the failure
        assertThatThrownBy(() -> p.put(2)).isInstanceOfSatisfying(PipeClosedException.class, e -> {
            assertThat(e.pipe()).isSameAs(p);
            assertThat(e.pipe().failure()).containsSame(cause);
        });
    }

    @Test
    void aClosedPipeHasNoFailureAndAJoinsFailedExceptionNoPipe() throws Exception {
        Pipe<Integer> p = Pipe.buffered(1);
        assertThat(p.failure()).isEmpty();
        p.close();
        assertThat(p.failure()).isEmpty();
        assertThat(p.fail(new RuntimeException("too late"))).isFalse();
        assertThat(p.failure()).as("final once the pipe ended").isEmpty();

        MicroThread<Void> m = MicroThread.parallel(() -> {
            throw new IllegalStateException("nope");
        });
        assertThatThrownBy(m::join).isInstanceOfSatisfying(FailedException.class, e -> assertThat(e.pipe()).isEmpty());
    }

    @Test
    void anOwnedPipesFailureIsItsOwnersOrACancellation() throws Exception {
        try (Loop loop = Loop.singleCarrier("owners")) {
            loop.run(() -> {
                Pipe<Integer> failing = Pipe.produce(Pipe.rendezvous(), sink -> {
                    throw new java.io.IOException("disk gone");
                });
                assertThatThrownBy(failing::take).isInstanceOf(FailedException.class);
                assertThat(failing.failure()).get().isInstanceOf(java.io.IOException.class);

                Pipe<Integer> cancelled = Pipe.rendezvous();
                MicroThread<Void> producer = MicroThread.parallel("producer", () -> {
                    cancelled.put(1);
                    return null;
                });
                cancelled.ownedBy(producer);
                MicroThread.yieldNow();
                producer.cancel();
                assertThatThrownBy(producer::join).isInstanceOf(CancellationException.class);
                assertThat(cancelled.failure()).get().isInstanceOf(CancellationException.class);
                return null;
            });
        }
    }

    @FunctionalInterface
    interface ThrowingCall {
        Object run() throws Exception;
    }
}
