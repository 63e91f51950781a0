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
 * to recognise submissions made from their own carrier, and {@code VirtualThread.carrierThread},
 * read by reports to name the micro-thread that holds a carrier.
 *
 * <p>When the Loom project's public scheduler interface lands, only this class changes.
 *
 * <p>Door 2, one-shot delimited continuations: {@code jdk.internal.vm.Continuation} and
 * {@code ContinuationScope}, reached through method handles only ({@code javac --release 25}
 * refuses {@code --add-exports}, so there is no compile-time reference). A continuation runs
 * on the calling thread, keeping its identity, until it yields or ends. It needs
 * {@code --add-exports java.base/jdk.internal.vm=ALL-UNNAMED} (or {@code =org.microthreads});
 * without it every door-2 entry point throws {@link UnsupportedOperationException} naming the
 * flag. The host loops' continuations share one scope; each generator has a scope of its own
 * ({@link #newContinuationScope}), so that every yield leaves exactly the continuation it means.
 */
public final class JdkInternals {
    private JdkInternals() {}

    /** The exact flag that door 1 needs, for the module we are loaded in. */
    public static final String ADD_OPENS_FLAG = "--add-opens java.base/java.lang="
            + (JdkInternals.class.getModule().isNamed()
                    ? JdkInternals.class.getModule().getName() : "ALL-UNNAMED");

    /** The exact flag that door 2 needs, for the module we are loaded in. */
    public static final String ADD_EXPORTS_FLAG = "--add-exports java.base/jdk.internal.vm="
            + (JdkInternals.class.getModule().isNamed()
                    ? JdkInternals.class.getModule().getName() : "ALL-UNNAMED");

    private static final Constructor<?> BUILDER_CTOR;
    private static final MethodHandle CURRENT_CARRIER;
    /** {@code VirtualThread.carrierThread}: which platform thread a virtual thread is mounted on. */
    private static final java.lang.invoke.VarHandle CARRIER_OF;
    private static final Throwable UNAVAILABLE;

    static {
        startIoPollersFromPlatformThread();
        Constructor<?> ctor = null;
        MethodHandle carrier = null;
        java.lang.invoke.VarHandle carrierOf = null;
        Throwable why = null;
        try {
            Class<?> c = Class.forName("java.lang.ThreadBuilders$VirtualThreadBuilder");
            ctor = c.getDeclaredConstructor(Executor.class);
            ctor.setAccessible(true);
            MethodHandles.Lookup lookup = MethodHandles.privateLookupIn(Thread.class, MethodHandles.lookup());
            carrier = lookup.findStatic(Thread.class, "currentCarrierThread", MethodType.methodType(Thread.class));
            Class<?> vt = Class.forName("java.lang.VirtualThread");
            carrierOf = MethodHandles.privateLookupIn(vt, MethodHandles.lookup()).findVarHandle(vt, "carrierThread", Thread.class);
        } catch (ReflectiveOperationException | RuntimeException e) {
            ctor = null;
            carrier = null;
            carrierOf = null;
            why = e;
        }
        BUILDER_CTOR = ctor;
        CURRENT_CARRIER = carrier;
        CARRIER_OF = carrierOf;
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
     * @param what who needs it, for the message ("single-carrier loops")
     * @throws UnsupportedOperationException if the JVM was started without the flag; the
     *         message names it
     */
    public static Thread.Builder.OfVirtual virtualThreadBuilder(Executor scheduler, String what) {
        if (BUILDER_CTOR == null) {
            throw new UnsupportedOperationException(
                    what + " need the JVM flag " + ADD_OPENS_FLAG
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

    /**
     * The platform thread the virtual thread {@code t} is mounted on now, or null (not mounted,
     * not virtual). Racy, for reports only (which micro-thread holds a single-carrier loop's
     * carrier). Available exactly when {@link #customSchedulersAvailable()}; null otherwise.
     */
    public static Thread carrierOf(Thread t) {
        if (CARRIER_OF == null || !t.isVirtual()) return null;
        return (Thread) CARRIER_OF.getVolatile(t);
    }

    // =====================================================================================
    // Door 1, continued: ScopedValue bindings inherited by micro-threads (ADR 0024)
    // =====================================================================================

    /**
     * {@code ScopedValue.scopedValueBindings()}: the caller's bindings snapshot (an immutable
     * object), and {@code Thread.scopedValueBindings}, the field a new thread starts its task
     * with. The same opening as door 1; without it both are null and micro-threads start
     * unbound (the documented fallback). In a holder of their own: no cost until the first start.
     */
    private static final class Bindings {
        static final MethodHandle CURRENT; // ()Object
        static final java.lang.invoke.VarHandle OF_THREAD;
        static final Object EMPTY;

        static {
            MethodHandle current = null;
            java.lang.invoke.VarHandle ofThread = null;
            Object empty = null;
            try {
                MethodHandles.Lookup sv = MethodHandles.privateLookupIn(ScopedValue.class, MethodHandles.lookup());
                Class<?> snapshot = Class.forName("java.lang.ScopedValue$Snapshot");
                current = sv.findStatic(ScopedValue.class, "scopedValueBindings", MethodType.methodType(snapshot))
                        .asType(MethodType.methodType(Object.class));
                empty = MethodHandles.privateLookupIn(snapshot, MethodHandles.lookup())
                        .findStaticVarHandle(snapshot, "EMPTY_SNAPSHOT", snapshot).get();
                ofThread = MethodHandles.privateLookupIn(Thread.class, MethodHandles.lookup())
                        .findVarHandle(Thread.class, "scopedValueBindings", Object.class);
            } catch (ReflectiveOperationException | RuntimeException e) {
                current = null;
                ofThread = null;
            }
            CURRENT = current;
            OF_THREAD = ofThread;
            EMPTY = empty;
        }
    }

    /**
     * The calling thread's {@code ScopedValue} bindings, to hand to a thread it starts with
     * {@link #inheritScopedValueBindings}; null when it has none, or without
     * {@code --add-opens java.base/java.lang} (then micro-threads start unbound).
     */
    public static Object scopedValueBindings() {
        MethodHandle h = Bindings.CURRENT;
        if (h == null) return null;
        try {
            Object b = (Object) h.invokeExact();
            return b == Bindings.EMPTY ? null : b;
        } catch (Throwable e) {
            return null; // not this JDK's layout: start unbound, as without the flag
        }
    }

    /** Makes the unstarted thread {@code t} run its task with {@code bindings} (from {@link #scopedValueBindings()}). */
    public static void inheritScopedValueBindings(Thread t, Object bindings) {
        Bindings.OF_THREAD.set(t, bindings);
    }

    // =====================================================================================
    // Door 2: continuations
    // =====================================================================================

    /**
     * The method handles of door 2, in a holder of their own: initialised on first use, and a
     * missing flag leaves door 1 untouched. No lambdas here (see {@link PollerInit}).
     */
    private static final class Continuations {
        static final MethodHandle NEW_SCOPE; // (String)Object
        static final MethodHandle NEW;       // (Object scope, Runnable)Object
        static final MethodHandle RUN;       // (Object)void
        static final MethodHandle YIELD;     // (Object scope)boolean
        static final MethodHandle IS_DONE;   // (Object)boolean
        /** The scope of the host loops' continuations. */
        static final Object HOST_SCOPE;
        static final Throwable UNAVAILABLE;
        /** Live stack frames (door 1's opening of java.lang): who holds monitors. Null without it. */
        static final StackWalker LIVE_WALKER;
        static final MethodHandle MONITORS; // (StackFrame)Object[]

        static {
            MethodHandle ns = null, n = null, r = null, y = null, d = null;
            Object host = null;
            Throwable why = null;
            try {
                Class<?> scopeClass = Class.forName("jdk.internal.vm.ContinuationScope");
                Class<?> contClass = Class.forName("jdk.internal.vm.Continuation");
                MethodHandles.Lookup lookup = MethodHandles.lookup();
                ns = lookup.findConstructor(scopeClass, MethodType.methodType(void.class, String.class))
                        .asType(MethodType.methodType(Object.class, String.class));
                n = lookup.findConstructor(contClass, MethodType.methodType(void.class, scopeClass, Runnable.class))
                        .asType(MethodType.methodType(Object.class, Object.class, Runnable.class));
                r = lookup.findVirtual(contClass, "run", MethodType.methodType(void.class))
                        .asType(MethodType.methodType(void.class, Object.class));
                y = lookup.findStatic(contClass, "yield", MethodType.methodType(boolean.class, scopeClass))
                        .asType(MethodType.methodType(boolean.class, Object.class));
                d = lookup.findVirtual(contClass, "isDone", MethodType.methodType(boolean.class))
                        .asType(MethodType.methodType(boolean.class, Object.class));
                host = (Object) ns.invokeExact("microthreads");
            } catch (Throwable e) {
                ns = n = r = y = d = null;
                host = null;
                why = e;
            }
            StackWalker w = null;
            MethodHandle mon = null;
            try {
                Class<?> lsf = Class.forName("java.lang.LiveStackFrame");
                MethodHandles.Lookup l = MethodHandles.privateLookupIn(lsf, MethodHandles.lookup());
                w = (StackWalker) l.findStatic(lsf, "getStackWalker", MethodType.methodType(StackWalker.class, java.util.Set.class))
                        .invoke(java.util.EnumSet.noneOf(StackWalker.Option.class));
                mon = l.findVirtual(lsf, "getMonitors", MethodType.methodType(Object[].class))
                        .asType(MethodType.methodType(Object[].class, StackWalker.StackFrame.class));
            } catch (Throwable e) {
                w = null;
                mon = null;
            }
            LIVE_WALKER = w;
            MONITORS = mon;
            NEW_SCOPE = ns;
            NEW = n;
            RUN = r;
            YIELD = y;
            IS_DONE = d;
            HOST_SCOPE = host;
            UNAVAILABLE = why;
        }
    }

    /** Whether continuations are available (the JVM has {@link #ADD_EXPORTS_FLAG}). */
    public static boolean continuationsAvailable() {
        return Continuations.NEW != null;
    }

    /**
     * Throws unless continuations are available.
     *
     * @param what who needs them, for the message ("host loops")
     * @throws UnsupportedOperationException naming the flag
     */
    public static void requireContinuations(String what) {
        if (Continuations.NEW == null) {
            throw new UnsupportedOperationException(what + " need the JVM flag " + ADD_EXPORTS_FLAG
                    + " (JDK 25 has no public API for continuations; ./mt passes it)", Continuations.UNAVAILABLE);
        }
    }

    /**
     * Throws unless {@link #holdsMonitorInContinuation()} can answer: it needs door 1's flag
     * too ({@code java.lang.LiveStackFrame} is package-private).
     *
     * @throws UnsupportedOperationException naming the flag
     */
    public static void requireMonitorCheck(String what) {
        if (Continuations.LIVE_WALKER == null) {
            throw new UnsupportedOperationException(what + " also need the JVM flag " + ADD_OPENS_FLAG
                    + " (to refuse parking inside synchronized, which JDK 25 does not refuse for continuations"
                    + " mounted on a platform thread; ./mt passes it)");
        }
    }

    /**
     * Whether the code running in the innermost mounted continuation holds a monitor
     * ({@code synchronized}) in one of the continuation's own frames; frames of the host
     * thread below the continuation do not count. Slow (a live stack walk, ~10 µs): call it
     * only before a continuation parks.
     *
     * <p>Why it exists: JDK 25 lets such a continuation yield while it holds a monitor (no
     * pinning for monitors any more), but for a continuation on a platform thread the monitor
     * then belongs to nobody who can release it: every other thread, and every other
     * continuation of the same host, blocks on it forever.
     */
    public static boolean holdsMonitorInContinuation() {
        return holdsMonitorInContinuation(false);
    }

    /**
     * As {@link #holdsMonitorInContinuation()}; {@code outermost}: counts the frames of every
     * continuation mounted on this thread, down to the host loop's continuation that runs them
     * ({@link #runHostContinuation}), or to the outermost one (a host loop's micro-thread that parks
     * from inside a generator's continuation leaves with all of them).
     */
    public static boolean holdsMonitorInContinuation(boolean outermost) {
        return monitorHolderInContinuation(outermost) != null;
    }

    /**
     * As {@link #holdsMonitorInContinuation(boolean)}, naming the youngest frame that holds a
     * monitor ({@code "Class.method(File.java:line)"}), or null if none does.
     */
    public static String monitorHolderInContinuation(boolean outermost) {
        requireContinuations("continuations");
        requireMonitorCheck("continuations");
        // cheap passes first: could a frame's class, then its method, hold one at all? (the common answer: no)
        if (!CLASS_WALKER.walk(new MayHoldScan(outermost, false))) return null;
        if (!METHOD_WALKER.walk(new MayHoldScan(outermost, true))) return null;
        return Continuations.LIVE_WALKER.walk(new MonitorScan(outermost));
    }

    private static final Class<?> CONTINUATION_CLASS = classOrNull("jdk.internal.vm.Continuation");

    private static Class<?> classOrNull(String name) {
        try {
            return Class.forName(name);
        } catch (ClassNotFoundException e) {
            return null;
        }
    }

    /** Frames' classes only (no method names, no live values): a fraction of a live walk's cost. */
    private static final StackWalker CLASS_WALKER = StackWalker.getInstance(
            java.util.EnumSet.of(StackWalker.Option.RETAIN_CLASS_REFERENCE, StackWalker.Option.DROP_METHOD_INFO), 32);
    /** Frames' classes and methods (no live values). */
    private static final StackWalker METHOD_WALKER = StackWalker.getInstance(
            java.util.EnumSet.of(StackWalker.Option.RETAIN_CLASS_REFERENCE), 32);

    /**
     * Whether a class's code can hold a monitor: it has a {@code synchronized} method or a
     * {@code monitorenter} instruction, or its bytes cannot be read (then it might). Read once per
     * class from its class file, the one in its own code source (else: unreadable). The library's
     * own classes count as "cannot" here: they hold monitors only around short sections that never
     * wait (a wait inside one would fail every host-loop test at once, through the exact check).
     */
    private static final ClassValue<java.util.Set<String>> MAY_HOLD = new ClassValue<>() {
        @Override
        protected java.util.Set<String> computeValue(Class<?> c) {
            if (c.getClassLoader() == JdkInternals.class.getClassLoader() && sameCodeSource(c, JdkInternals.class)
                    && inLibraryPackage(c)) {
                // the library's own (same jar or classes folder, not its tests; its packages, not the
                // user's classes shaded into the same jar)
                return java.util.Set.of();
            }
            if (c.isArray() || c.isPrimitive()) return java.util.Set.of();
            if (c.isHidden()) return null;
            String resource = "/" + c.getName().replace('.', '/') + ".class";
            java.net.URL url = c.getResource(resource);
            if (url == null || !fromItsCodeSource(c, url)) return null;
            try (java.io.InputStream in = url.openStream()) {
                java.lang.classfile.ClassModel model = java.lang.classfile.ClassFile.of().parse(in.readAllBytes());
                java.util.Set<String> may = new java.util.HashSet<>();
                for (java.lang.classfile.MethodModel m : model.methods()) {
                    boolean holds = m.flags().has(java.lang.reflect.AccessFlag.SYNCHRONIZED);
                    var code = m.code();
                    if (!holds && code.isPresent()) {
                        for (java.lang.classfile.CodeElement e : code.get()) {
                            if (e instanceof java.lang.classfile.instruction.MonitorInstruction) {
                                holds = true;
                                break;
                            }
                        }
                    }
                    if (holds) may.add(m.methodName().stringValue() + m.methodType().stringValue());
                }
                return may.isEmpty() ? java.util.Set.of() : java.util.Set.copyOf(may);
            } catch (Exception | LinkageError e) {
                return null; // unreadable: any of its methods might
            }
        }
    };

    /** The library's root package, as loaded (a shaded jar may have relocated it). */
    private static final String LIBRARY_PACKAGE = JdkInternals.class.getPackageName()
            .substring(0, JdkInternals.class.getPackageName().lastIndexOf('.'));

    private static boolean inLibraryPackage(Class<?> c) {
        String p = c.getPackageName();
        return p.equals(LIBRARY_PACKAGE) || p.startsWith(LIBRARY_PACKAGE + ".");
    }

    /**
     * Whether {@code url}, the class file {@code c}'s loader finds for its name, is the one {@code c}
     * was loaded from: a child-first loader (a plugin, a web app) may define its own version of a
     * class its parent has too, and the parent's is found first.
     */
    private static boolean fromItsCodeSource(Class<?> c, java.net.URL url) {
        ClassLoader l = c.getClassLoader();
        if (l == null || l == ClassLoader.getPlatformClassLoader()) return true; // the JDK's own: nothing shadows them
        java.security.CodeSource cs = c.getProtectionDomain().getCodeSource();
        if (cs == null || cs.getLocation() == null) return false;
        String where = cs.getLocation().toExternalForm(), found = url.toExternalForm();
        return found.startsWith(where) || found.startsWith("jar:" + where + "!/");
    }

    private static boolean sameCodeSource(Class<?> a, Class<?> b) {
        java.security.CodeSource x = a.getProtectionDomain().getCodeSource(), y = b.getProtectionDomain().getCodeSource();
        return x != null && y != null && x.getLocation() != null && x.getLocation().equals(y.getLocation());
    }

    /**
     * The cheap passes of {@link #monitorHolderInContinuation}: could any frame of the
     * continuation(s) hold a monitor? {@code byMethod}: the frame's method is known (a costlier
     * walk), else only its class.
     */
    private static final class MayHoldScan implements java.util.function.Function<java.util.stream.Stream<StackWalker.StackFrame>, Boolean> {
        private final boolean outermost, byMethod;

        MayHoldScan(boolean outermost, boolean byMethod) {
            this.outermost = outermost;
            this.byMethod = byMethod;
        }

        @Override
        public Boolean apply(java.util.stream.Stream<StackWalker.StackFrame> frames) {
            java.util.Iterator<StackWalker.StackFrame> it = frames.iterator();
            boolean mayAbove = false; // a frame above (younger than) the current one might hold a monitor
            while (it.hasNext()) {
                StackWalker.StackFrame f = it.next();
                Class<?> c = f.getDeclaringClass();
                if (c == CONTINUATION_CLASS) { // an entry: frames below are its caller's
                    if (mayAbove || !outermost) return mayAbove;
                    continue;
                }
                if (c == HostEntry.class) return false; // below: the host thread's (and micro-threads' mounted lower)
                if (mayAbove) continue;
                java.util.Set<String> may = MAY_HOLD.get(c);
                if (may == null) {
                    mayAbove = true;
                } else if (!may.isEmpty()) {
                    mayAbove = !byMethod || may.contains(f.getMethodName() + f.getDescriptor());
                }
            }
            return false; // the frames below the outermost entry are the host thread's own
        }
    }

    /** Not a lambda: see {@link PollerInit}. */
    private static final class MonitorScan implements java.util.function.Function<java.util.stream.Stream<StackWalker.StackFrame>, String> {
        private final boolean outermost;

        MonitorScan(boolean outermost) {
            this.outermost = outermost;
        }

        @Override
        public String apply(java.util.stream.Stream<StackWalker.StackFrame> frames) {
            java.util.Iterator<StackWalker.StackFrame> it = frames.iterator();
            String holderAbove = null; // the youngest frame above (younger than) the current one that holds a monitor
            String found = null;
            while (it.hasNext()) {
                StackWalker.StackFrame f = it.next();
                if (f.getClassName().equals("jdk.internal.vm.Continuation")) { // an entry: frames below are its caller's
                    if (holderAbove != null && found == null) found = holderAbove;
                    if (!outermost || found != null) return found;
                    continue;
                }
                if (f.getClassName().equals(HOST_ENTRY)) return found; // below: the host thread's
                Object[] monitors;
                try {
                    monitors = (Object[]) Continuations.MONITORS.invokeExact(f);
                } catch (Throwable e) {
                    throw new AssertionError(e);
                }
                if (monitors != null && holderAbove == null) {
                    // an interpreted frame keeps a slot per synchronized block it has entered:
                    // null once the block is left
                    for (Object m : monitors) {
                        if (m != null) {
                            holderAbove = f.toStackTraceElement().toString();
                            break;
                        }
                    }
                }
            }
            return found;
        }
    }

    /**
     * A new continuation (an opaque object) that runs {@code body} in the library's scope; it
     * starts at the first {@link #runContinuation}.
     */
    public static Object newContinuation(Runnable body) {
        requireContinuations("continuations");
        return newContinuation(Continuations.HOST_SCOPE, body);
    }

    /**
     * As {@link #runContinuation}, for a host loop's micro-thread: its frame marks where the frames
     * that leave the host thread with it end, for {@link #monitorHolderInContinuation}
     * ({@code outermost}): below it are the host thread's own, and those of micro-threads mounted
     * lower on its stack (under a modal dialog's event pump), which stay.
     */
    public static void runHostContinuation(Object continuation) {
        requireContinuations("continuations");
        try {
            HostEntry.run(continuation);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable e) {
            throw new AssertionError(e);
        }
    }

    /** The frame below a host loop's continuation (see {@link #runHostContinuation}). */
    private static final class HostEntry {
        static void run(Object continuation) throws Throwable {
            Continuations.RUN.invokeExact(continuation);
        }
    }

    private static final String HOST_ENTRY = HostEntry.class.getName();

    /**
     * Whether {@code frame}, of a thread's stack, is where a host loop's continuation was mounted
     * ({@link #runHostContinuation}): the frames above it, up to the next such frame, are one
     * micro-thread's own.
     */
    public static boolean isHostContinuationEntry(StackTraceElement frame) {
        return frame.getClassName().equals(HOST_ENTRY);
    }

    /**
     * Mounts {@code continuation} on the calling thread and runs it until it yields or ends.
     * {@code Thread.currentThread()} inside it is the caller.
     */
    public static void runContinuation(Object continuation) {
        requireContinuations("continuations");
        try {
            Continuations.RUN.invokeExact(continuation);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable e) {
            throw new AssertionError(e);
        }
    }

    /**
     * Yields the library continuation mounted on the calling thread; returns when it is run
     * again.
     *
     * @throws IllegalStateException if it is pinned (holds a monitor or has a native frame on
     *         its stack), or if no continuation of the library is mounted; it stays mounted
     */
    public static void yieldContinuation() {
        requireContinuations("continuations");
        yieldIn(Continuations.HOST_SCOPE, "a micro-thread of a host loop cannot park while pinned (inside synchronized, "
                + "or below a native frame): its continuation cannot leave the host thread");
    }

    /** Yields {@code scope}; a pinned continuation gets {@code whenPinned} and the JDK's reason. */
    private static void yieldIn(Object scope, String whenPinned) {
        boolean yielded;
        try {
            yielded = (boolean) Continuations.YIELD.invokeExact(scope);
        } catch (IllegalStateException e) {
            String m = String.valueOf(e.getMessage());
            if (m.startsWith("Pinned")) throw new IllegalStateException(whenPinned + " [" + m + "]", e);
            throw e;
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable e) {
            throw new AssertionError(e);
        }
        if (!yielded) throw new IllegalStateException(whenPinned + " [the continuation could not yield]");
    }

    /** Whether {@code continuation} has run to its end. */
    public static boolean isDone(Object continuation) {
        requireContinuations("continuations");
        try {
            return (boolean) Continuations.IS_DONE.invokeExact(continuation);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable e) {
            throw new AssertionError(e);
        }
    }

    // ---- continuations in scopes of their own (generators) ----

    /**
     * A new continuation scope (an opaque object) named {@code name}. A continuation of its own
     * scope can be yielded precisely even when others (a host loop's, another generator's) are
     * mounted inside or around it.
     */
    public static Object newContinuationScope(String name) {
        requireContinuations("generators on continuations");
        try {
            return (Object) Continuations.NEW_SCOPE.invokeExact(name);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable e) {
            throw new AssertionError(e);
        }
    }

    /** A new continuation in {@code scope} (from {@link #newContinuationScope}) that runs {@code body}. */
    public static Object newContinuation(Object scope, Runnable body) {
        try {
            return (Object) Continuations.NEW.invokeExact(scope, body);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable e) {
            throw new AssertionError(e);
        }
    }

    /**
     * Yields the innermost mounted continuation of {@code scope}, with every continuation mounted
     * inside it; returns when it is run again.
     *
     * @throws IllegalStateException if it cannot yield: pinned (a native frame on its stack), or
     *         no continuation of {@code scope} is mounted on the calling thread; it stays mounted
     */
    public static void yieldContinuation(Object scope) {
        yieldIn(scope, "the continuation cannot be suspended here: it is pinned (a native frame, or a critical section,"
                + " on its stack)");
    }
}
