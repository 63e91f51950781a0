package org.microthreads;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.microthreads.internal.JdkInternals;

/**
 * The flag-free paths. Run with the flags in the normal build and without them by
 * {@code ./mt test-noflags} (and CI): the shared loop, deferreds and timeouts work either way;
 * single-carrier and host loops fail at creation with a message naming the exact flag.
 */
@Tag("noflags")
class NoFlagsTest {

    private static boolean flagGiven() {
        // ./mt test-noflags (and CI) runs this class without the flags and with this property
        return !Boolean.getBoolean("microthreads.test.noflags");
    }

    @Test
    void singleCarrierLoopsNeedTheFlagAndSayWhichOne() throws Exception {
        if (flagGiven()) {
            assertThat(JdkInternals.customSchedulersAvailable()).isTrue();
            try (Loop loop = Loop.singleCarrier("with-flag")) {
                assertThat(loop.run(() -> 1)).isEqualTo(1);
            }
        } else {
            assertThat(JdkInternals.customSchedulersAvailable()).isFalse();
            assertThatThrownBy(() -> Loop.singleCarrier("no-flag"))
                    .isInstanceOf(UnsupportedOperationException.class)
                    .hasMessageContaining("--add-opens java.base/java.lang=ALL-UNNAMED");
        }
    }

    @Test
    void simulationsNeedTheFlagAndSayWhichOne() throws Exception {
        if (flagGiven()) {
            assertThat(Simulation.withSeed(1).run(() -> 1)).isEqualTo(1);
        } else {
            assertThatThrownBy(() -> Simulation.withSeed(1).run(() -> 1))
                    .isInstanceOf(UnsupportedOperationException.class)
                    .hasMessageContaining("simulated loops need the JVM flag --add-opens java.base/java.lang=ALL-UNNAMED");
        }
    }

    @Test
    void hostLoopsNeedTheContinuationFlagAndSayWhichOne() throws Exception {
        if (flagGiven()) {
            assertThat(JdkInternals.continuationsAvailable()).isTrue();
            java.util.concurrent.ExecutorService host = java.util.concurrent.Executors.newSingleThreadExecutor();
            try (Loop loop = Loop.onHost("with-flag", host)) {
                assertThat(loop.run(() -> Thread.currentThread().isVirtual())).isFalse();
            } finally {
                host.shutdown();
            }
        } else {
            assertThat(JdkInternals.continuationsAvailable()).isFalse();
            assertThatThrownBy(() -> Loop.onHost("no-flag", Runnable::run))
                    .isInstanceOf(UnsupportedOperationException.class)
                    .hasMessageContaining("--add-exports java.base/jdk.internal.vm=ALL-UNNAMED");
        }
    }

    /** Issue 16: a UI loop (a toolkit module's) refuses to start without the flag, naming it: no fallback off the UI thread. */
    @Test
    void uiLoopsNeedTheContinuationFlagAndSayWhichOne() {
        org.microthreads.spi.UiToolkit toolkit = new org.microthreads.spi.UiToolkit() {
            @Override
            public String name() {
                return "Test";
            }

            @Override
            public boolean isUiThread() {
                return false;
            }

            @Override
            public void post(Runnable task) {
                Thread.ofPlatform().start(task);
            }

            @Override
            public boolean isEventPump(StackTraceElement frame) {
                return false;
            }

            @Override
            public String offloadCall() {
                return "TestLoop.offload(...)";
            }
        };
        if (flagGiven()) {
            assertThat(org.microthreads.spi.UiLoops.create("with-flag", toolkit).isSingleCarrier()).isTrue();
        } else {
            assertThatThrownBy(() -> org.microthreads.spi.UiLoops.create("no-flag", toolkit))
                    .isInstanceOf(UnsupportedOperationException.class)
                    .hasMessageContaining("Test UI loops need the JVM flag --add-exports java.base/jdk.internal.vm=ALL-UNNAMED");
        }
    }

    static final ScopedValue<String> USER = ScopedValue.newInstance();

    /** ADR 0024: with the flag, micro-threads inherit bindings; without it, the documented fallback: unbound, nothing else changes. */
    @Test
    void scopedValuesAreInheritedWithTheFlagAndUnboundWithoutIt() throws Exception {
        String seen = ScopedValue.where(USER, "alice").call(() ->
                Loop.shared().run(() -> USER.isBound() ? USER.get() : "unbound"));
        assertThat(seen).isEqualTo(flagGiven() ? "alice" : "unbound");
        assertThat(MicroThread.scope(() -> MicroThread.parallel(() -> 42).join())).isEqualTo(42); // scopes need no flag
    }

    @Test
    void theSharedLoopNeedsNoFlag() throws Exception {
        assertThat(Loop.shared().run(() -> {
            MicroThread<Integer> a = MicroThread.parallel(() -> 20);
            MicroThread.startAndForget(MicroThread::yieldNow);
            Deferred<Integer> d = new Deferred<>();
            MicroThread.startAndForget(() -> d.complete(22));
            return a.join() + d.await();
        })).isEqualTo(42);
        assertThat(MicroThread.parallelAll(List.of(() -> 1, () -> 2))).containsExactly(1, 2);
    }

    @Test
    void generatorsFallBackToMicroThreadsWithoutTheFlag() throws Exception {
        Generator.Implementation expected = flagGiven() ? Generator.Implementation.CONTINUATION
                : Generator.Implementation.MICRO_THREAD;
        assertThat(Generator.defaultImplementation()).isEqualTo(expected);
        List<String> log = new java.util.concurrent.CopyOnWriteArrayList<>();
        try (Generator<Integer> g = Generator.of(out -> {
            try {
                for (int i = 1; i <= 3; i++) out.emit(i);
            } finally {
                log.add("finally");
            }
        })) {
            assertThat(g.implementation()).isEqualTo(expected);
            List<Integer> got = new java.util.ArrayList<>();
            for (Integer x : g) got.add(x); // from this plain thread
            assertThat(got).containsExactly(1, 2, 3);
        }
        assertThat(log).containsExactly("finally");
        try (Generator<Integer> g = Generator.buffered(2, out -> {
            for (int i = 0; ; i++) out.emit(i);
        })) {
            assertThat(g.implementation()).isEqualTo(expected);
            assertThat(g.stream().limit(5).toList()).containsExactly(0, 1, 2, 3, 4);
        }
        assertThat(Loop.shared().run(() -> {
            try (Generator<Integer> g = Generator.of(out -> out.emitAll(List.of(20, 22)))) {
                return g.next() + g.next();
            }
        })).isEqualTo(42);
    }

    @Test
    void continuationGeneratorsNeedTheFlagAndSayWhichOne() throws Exception {
        if (flagGiven()) {
            Thread consumer = Thread.currentThread();
            try (Generator<Thread> g = Generator.of(Generator.Implementation.CONTINUATION, 0,
                    out -> out.emit(Thread.currentThread()))) {
                assertThat(g.implementation()).isEqualTo(Generator.Implementation.CONTINUATION);
                assertThat(g.next()).isSameAs(consumer);
            }
        } else {
            assertThatThrownBy(() -> Generator.of(Generator.Implementation.CONTINUATION, 0, out -> out.emit(1)))
                    .isInstanceOf(UnsupportedOperationException.class)
                    .hasMessageContaining("--add-exports java.base/jdk.internal.vm=ALL-UNNAMED");
            assertThatThrownBy(() -> Generator.of(Generator.Implementation.CONTINUATION, 4, out -> out.emit(1)))
                    .isInstanceOf(UnsupportedOperationException.class)
                    .hasMessageContaining("--add-exports java.base/jdk.internal.vm=ALL-UNNAMED");
            try (Generator<Integer> g = Generator.of(Generator.Implementation.MICRO_THREAD, 0, out -> out.emit(1))) {
                assertThat(g.next()).isEqualTo(1);
            }
        }
    }
}
