package org.microthreads.javafx;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javafx.application.Platform;
import javafx.stage.Stage;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.microthreads.Deferred;
import org.microthreads.Generator;
import org.microthreads.Loop;
import org.microthreads.MicroThread;
import org.microthreads.Pipe;
import org.microthreads.Select;

/** Identity: a UI micro-thread is on the JavaFX thread before and after every kind of wait. */
class FxIdentityTest {
    static final int WAITS = 10_000;
    /** Micro-threads sharing each kind's waits (so that timed waits take little wall time). */
    static final int PARALLEL = 100;

    @BeforeAll
    static void startFx() throws Exception {
        Fx.start();
    }

    /** One wait of some kind, in a UI micro-thread; {@code i} is the wait's index in its micro-thread. */
    interface Wait {
        void await(int i) throws Exception;
    }

    /** Runs WAITS waits of a kind, PARALLEL micro-threads at once; checks identity around each; a JavaFX call after some resumes. */
    private static void identityOver(String kind, Wait wait) throws Exception {
        AtomicInteger checked = new AtomicInteger();
        Map<String, Integer> wrong = new ConcurrentHashMap<>();
        List<MicroThread<Void>> all = new ArrayList<>();
        Thread fxThread = Fx.onFx(Thread::currentThread);
        for (int t = 0; t < PARALLEL; t++) {
            all.add(FxLoop.start(() -> {
                for (int i = 0; i < WAITS / PARALLEL; i++) {
                    if (!Platform.isFxApplicationThread()) wrong.merge("before", 1, Integer::sum);
                    wait.await(i);
                    if (!Platform.isFxApplicationThread() || Thread.currentThread() != fxThread) wrong.merge("after", 1, Integer::sum);
                    if (i % 50 == 0) new Stage(); // throws "Not on FX application thread" off it
                    checked.incrementAndGet();
                }
            }));
        }
        for (MicroThread<Void> m : all) m.join(Duration.ofSeconds(60));
        assertThat(wrong).as(kind).isEmpty();
        assertThat(checked.get()).as(kind).isEqualTo(WAITS);
    }

    @Test
    void yieldNow() throws Exception {
        identityOver("yieldNow", i -> MicroThread.yieldNow());
    }

    @Test
    void sleepOnTheLoopsTimers() throws Exception {
        identityOver("sleep", i -> MicroThread.sleep(Duration.ofMillis(1)));
    }

    @Test
    void deferredCompletedFromAnotherThread() throws Exception {
        identityOver("Deferred", i -> {
            Deferred<Integer> d = new Deferred<>();
            Thread.ofVirtual().start(() -> d.complete(i));
            assertThat(d.await()).isEqualTo(i);
        });
    }

    @Test
    void awaitOfACompletableFuture() throws Exception {
        identityOver("await(CompletableFuture)", i -> {
            CompletableFuture<Integer> f = CompletableFuture.supplyAsync(() -> i);
            assertThat(MicroThread.await(f)).isEqualTo(i);
        });
    }

    @Test
    void offloadAndJoin() throws Exception {
        identityOver("offload", i -> {
            Thread worker = FxLoop.offload(Thread::currentThread);
            assertThat(worker.isVirtual()).isTrue();
        });
    }

    @Test
    void joinOfAnotherUiMicroThread() throws Exception {
        identityOver("join", i -> assertThat(MicroThread.parallel(() -> i).join()).isEqualTo(i));
    }

    @Test
    void pipeFedByTheSharedLoop() throws Exception {
        identityOver("pipe take", i -> {
            Pipe<Integer> p = Pipe.rendezvous();
            Loop.shared().startAndForget(() -> p.put(i));
            assertThat(p.take()).isEqualTo(i);
        });
    }

    @Test
    void selectOverTwoPipesAndATimeout() throws Exception {
        identityOver("select", i -> {
            Pipe<Integer> a = Pipe.buffered(1);
            Pipe<Integer> b = Pipe.buffered(1);
            Loop.shared().startAndForget(() -> (i % 2 == 0 ? a : b).put(i));
            int got = Select.select(a.onTake(v -> v), b.onTake(v -> -v), Select.onTimeout(Duration.ofSeconds(30), () -> Integer.MIN_VALUE));
            assertThat(Math.abs(got)).isEqualTo(i);
        });
    }

    @Test
    void generatorWhoseBodyWaits() throws Exception {
        identityOver("generator", i -> {
            try (Generator<Thread> g = Generator.of(out -> {
                MicroThread.yieldNow();
                out.emit(Thread.currentThread());
            })) {
                assertThat(g.next()).isSameAs(Thread.currentThread());
            }
        });
    }

    @Test
    void withTimeoutThatExpires() throws Exception {
        identityOver("withTimeout", i -> {
            try {
                MicroThread.withTimeout(Duration.ofMillis(1), () -> {
                    new Deferred<Void>().await();
                    return null;
                });
            } catch (java.util.concurrent.TimeoutException expected) {
                // the wait was cut short: identity is checked after it
            }
        });
    }

    @Test
    void aJavaFxCallThatThrowsOffTheFxThreadIsRefusedThere() {
        // the premise of the checks above: new Stage() off the FX thread throws
        org.assertj.core.api.Assertions.assertThatThrownBy(Stage::new).isInstanceOf(IllegalStateException.class);
        assertThat(TimeUnit.SECONDS).isNotNull();
    }
}
