package org.microthreads.internal;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Constructor;
import java.util.concurrent.Executor;

/**
 * The only class of microthreads that touches JDK internals.
 *
 * <p>Door 1, custom virtual-thread schedulers: the package-private constructor
 * {@code java.lang.ThreadBuilders$VirtualThreadBuilder(Executor)} builds virtual threads whose
 * continuations are run by any {@link Executor}. It needs
 * {@code --add-opens java.base/java.lang=ALL-UNNAMED} (or {@code =org.microthreads} on the
 * module path). Without the flag, {@link #virtualThreadBuilder} throws
 * {@link UnsupportedOperationException} naming the flag; nothing else in the library needs it.
 * The same opening gives {@code Thread.currentCarrierThread()}, used by single-carrier loops
 * to recognise submissions made from their own carrier.
 *
 * <p>When the Loom project's public scheduler interface lands, only this class changes.
 *
 * <p>Door 2, {@code jdk.internal.vm.Continuation}, belongs here too when the UI loop and
 * generators arrive (it needs {@code --add-exports java.base/jdk.internal.vm=ALL-UNNAMED}).
 */
public final class JdkInternals {
    private JdkInternals() {}

    /** The exact flag that door 1 needs, for the module we are loaded in. */
    public static final String ADD_OPENS_FLAG = "--add-opens java.base/java.lang="
            + (JdkInternals.class.getModule().isNamed()
                    ? JdkInternals.class.getModule().getName() : "ALL-UNNAMED");

    private static final Constructor<?> BUILDER_CTOR;
    private static final MethodHandle CURRENT_CARRIER;
    private static final Throwable UNAVAILABLE;

    static {
        startIoPollersFromPlatformThread();
        Constructor<?> ctor = null;
        MethodHandle carrier = null;
        Throwable why = null;
        try {
            Class<?> c = Class.forName("java.lang.ThreadBuilders$VirtualThreadBuilder");
            ctor = c.getDeclaredConstructor(Executor.class);
            ctor.setAccessible(true);
            MethodHandles.Lookup lookup = MethodHandles.privateLookupIn(Thread.class, MethodHandles.lookup());
            carrier = lookup.findStatic(Thread.class, "currentCarrierThread", MethodType.methodType(Thread.class));
        } catch (ReflectiveOperationException | RuntimeException e) {
            ctor = null;
            carrier = null;
            why = e;
        }
        BUILDER_CTOR = ctor;
        CURRENT_CARRIER = carrier;
        UNAVAILABLE = why;
    }

    /**
     * JDK 25 pitfall: the JDK's I/O pollers are created by whichever thread first initialises
     * {@code sun.nio.ch.Poller}; when that is a virtual thread of a custom scheduler, the poller
     * virtual threads inherit that scheduler and die with it. Initialising the class from a
     * platform thread before any custom loop exists gives them the default scheduler.
     */
    private static void startIoPollersFromPlatformThread() {
        // Not a lambda: its body would be a method of this class, still being initialised.
        Thread t = Thread.ofPlatform().daemon().name("microthreads-poller-init").unstarted(new PollerInit());
        t.start();
        boolean interrupted = false;
        while (true) {
            try {
                t.join();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) Thread.currentThread().interrupt();
    }

    private static final class PollerInit implements Runnable {
        @Override
        public void run() {
            try {
                Class.forName("sun.nio.ch.Poller", true, ClassLoader.getPlatformClassLoader());
            } catch (ClassNotFoundException | LinkageError ignored) {
                // Not this JDK's layout: nothing to protect.
            }
        }
    }

    /** Whether custom virtual-thread schedulers are available (the flag is present). */
    public static boolean customSchedulersAvailable() {
        return BUILDER_CTOR != null;
    }

    /**
     * A virtual-thread builder whose threads are carried by {@code scheduler}.
     *
     * @throws UnsupportedOperationException if the JVM was started without the flag; the
     *         message names it
     */
    public static Thread.Builder.OfVirtual virtualThreadBuilder(Executor scheduler) {
        if (BUILDER_CTOR == null) {
            throw new UnsupportedOperationException(
                    "single-carrier loops need the JVM flag " + ADD_OPENS_FLAG
                            + " (JDK 25 has no public API for custom virtual-thread schedulers; ./mt passes it)",
                    UNAVAILABLE);
        }
        try {
            return (Thread.Builder.OfVirtual) BUILDER_CTOR.newInstance(scheduler);
        } catch (ReflectiveOperationException e) {
            throw new UnsupportedOperationException("cannot create a custom-scheduler virtual-thread builder on this JDK", e);
        }
    }

    /**
     * The platform thread carrying the current thread: the current thread itself when it is
     * a platform thread. Available exactly when {@link #customSchedulersAvailable()}.
     */
    public static Thread currentCarrierThread() {
        try {
            return (Thread) CURRENT_CARRIER.invokeExact();
        } catch (Throwable e) {
            throw new AssertionError(e);
        }
    }
}
