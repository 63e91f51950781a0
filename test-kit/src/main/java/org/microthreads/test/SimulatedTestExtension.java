package org.microthreads.test;

import java.lang.reflect.Method;
import java.lang.reflect.Parameter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.InvocationInterceptor;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.junit.jupiter.api.extension.ReflectiveInvocationContext;
import org.junit.platform.commons.support.AnnotationSupport;
import org.junit.platform.commons.support.ReflectionSupport;
import org.microthreads.FailedException;
import org.microthreads.Loop;
import org.microthreads.MicroThread;
import org.microthreads.Simulation;
import org.microthreads.SimulationTrace;
import org.opentest4j.AssertionFailedError;

/**
 * The extension behind {@link SimulatedTest}: intercepts the test method's invocation and calls the
 * method itself once per seed, as the main micro-thread of a fresh {@link Simulation}, then skips
 * JUnit's own invocation. Resolves the method's {@link Simulation} and {@code long} parameters
 * (placeholders, replaced per seed). Package-private: JUnit makes it through the annotation (the
 * module opens this package to JUnit for that).
 */
final class SimulatedTestExtension implements InvocationInterceptor, ParameterResolver {
    static final String SEED = "microthreads.seed";
    static final String SEEDS = "microthreads.seeds";
    static final String FIRST_SEED = "microthreads.firstSeed";

    SimulatedTestExtension() {
    }

    // =====================================================================================
    // Parameters
    // =====================================================================================

    @Override
    public boolean supportsParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
        if (!(parameterContext.getDeclaringExecutable() instanceof Method method)
                || !AnnotationSupport.isAnnotated(method, SimulatedTest.class)) {
            return false;
        }
        return isOurs(parameterContext.getParameter());
    }

    @Override
    public Object resolveParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
        // A placeholder: the interceptor passes each seed's own simulation and seed.
        return parameterContext.getParameter().getType() == Simulation.class ? Simulation.withSeed(0) : (Object) 0L;
    }

    private static boolean isOurs(Parameter p) {
        return p.getType() == Simulation.class || p.getType() == long.class;
    }

    // =====================================================================================
    // Running the seeds
    // =====================================================================================

    @Override
    public void interceptTestMethod(Invocation<Void> invocation, ReflectiveInvocationContext<Method> invocationContext,
                                    ExtensionContext context) throws Throwable {
        Method method = invocationContext.getExecutable();
        SimulatedTest annotation = AnnotationSupport.findAnnotation(method, SimulatedTest.class).orElseThrow(
                () -> new ExtensionConfigurationException("SimulatedTestExtension runs only methods annotated @SimulatedTest; "
                        + method + " is not"));
        Plan plan = Plan.of(annotation, context, method);
        if (Thread.currentThread().isVirtual()) {
            throw new ExtensionConfigurationException("@SimulatedTest " + describe(method) + " is run on a virtual thread ("
                    + Thread.currentThread() + "); a simulation runs on a platform thread, such as JUnit's own test thread");
        }
        invocation.skip(); // we call the method ourselves, once per seed
        Object target = invocationContext.getTarget().orElse(null);
        List<Object> resolved = invocationContext.getArguments();
        Parameter[] parameters = method.getParameters();

        long passed = 0;
        for (long i = 0; i < plan.count; i++) {
            long seed = plan.first + i;
            Simulation sim = Simulation.withSeed(seed)
                    .wallLimit(Duration.ofSeconds(plan.wallLimitSeconds))
                    .horizon(Duration.ofSeconds(plan.horizonSeconds))
                    .maxSteps(plan.maxSteps)
                    .outsideWait(Duration.ofMillis(plan.outsideWaitMillis));
            Object[] args = resolved.toArray();
            for (int k = 0; k < parameters.length; k++) {
                if (parameters[k].getType() == Simulation.class) args[k] = sim;
                else if (parameters[k].getType() == long.class) args[k] = seed;
            }
            List<Throwable> unobserved = Collections.synchronizedList(new ArrayList<>());
            Throwable failure = null;
            try {
                sim.run(() -> {
                    Loop.current().failureHandler((m, f) -> unobserved.add(new UnobservedFailure(m, f)));
                    ReflectionSupport.invokeMethod(method, target, args);
                    return null;
                });
            } catch (Throwable t) {
                if (sim.steps() == 0) throw t; // the simulation could not start (no JVM flag, say): not this seed's fault
                failure = t;
            }
            if (failure == null && unobserved.isEmpty()) {
                passed++;
                continue;
            }
            throw failed(plan, context.getRequiredTestClass(), method, seed, passed, sim, failure, unobserved);
        }
        context.publishReportEntry("microthreads.seeds", plan.count == 1 ? "seed " + plan.first + " passed"
                : plan.count + " seeds passed (" + plan.first + " to " + (plan.first + plan.count - 1) + ")");
    }

    /** A failure handed to the loop's failure handler: a micro-thread failed and nobody collected it. */
    private static final class UnobservedFailure extends RuntimeException {
        UnobservedFailure(MicroThread<?> m, Throwable f) {
            super("micro-thread '" + m.name().replace("\n", "\\n") + "' failed and nobody collected its failure: " + f, f);
        }
    }

    /**
     * The test's failure: the seed and how to replay it, what failed, and the simulation's trace;
     * the cause is the original failure (unwrapped from {@code main}'s {@link FailedException}), and
     * its stack is this one's, so the first frame a report shows is where it failed.
     */
    private static AssertionFailedError failed(Plan plan, Class<?> testClass, Method method, long seed, long passed,
                                               Simulation sim, Throwable thrown, List<Throwable> unobserved) {
        Throwable original;
        if (thrown == null) {
            original = unobserved.getFirst().getCause();
        } else if (thrown instanceof FailedException fe && fe.getCause() != null) {
            original = fe.getCause();
        } else {
            original = thrown;
        }
        StringBuilder sb = new StringBuilder();
        sb.append("seed ").append(seed).append(" failed");
        if (plan.pinnedBy != null) {
            sb.append(" (one seed run, set by ").append(plan.pinnedBy).append(')');
        } else {
            sb.append(" after ").append(passed).append(passed == 1 ? " seed" : " seeds").append(" passed");
            if (passed > 0) sb.append(" (").append(plan.first).append(passed == 1 ? "" : " to " + (seed - 1)).append(')');
        }
        sb.append("; replay it with @SimulatedTest(seed = ").append(seed).append(") on ").append(method.getName())
                .append(", or -Dmicrothreads.seed=").append(seed).append(" (mvn test -Dtest=")
                .append(testClass.getSimpleName()).append('#').append(method.getName())
                .append(" -Dmicrothreads.seed=").append(seed).append(")\n");
        if (thrown != null) {
            sb.append(thrown.getClass().getName()).append(": ").append(thrown.getMessage()).append('\n');
        }
        for (Throwable u : unobserved) sb.append(u.getMessage()).append('\n');
        String trace = traceOf(thrown);
        sb.append(trace != null ? trace : sim.trace());
        AssertionFailedError e = original instanceof AssertionFailedError afe && (afe.isExpectedDefined() || afe.isActualDefined())
                ? new AssertionFailedError(sb.toString(), afe.getExpected(), afe.getActual(), original)
                : new AssertionFailedError(sb.toString(), original);
        e.setStackTrace(original.getStackTrace());
        if (thrown != null && thrown != original) {
            for (Throwable s : thrown.getSuppressed()) {
                if (!(s instanceof SimulationTrace)) e.addSuppressed(s); // the hops; the trace is in the message
            }
        }
        for (Throwable u : unobserved) {
            if (u.getCause() != original) e.addSuppressed(u);
        }
        return e;
    }

    /** The text of the {@link SimulationTrace} that {@link Simulation#run} attached to {@code t}, or null. */
    private static String traceOf(Throwable t) {
        if (t == null) return null;
        for (Throwable s : t.getSuppressed()) {
            if (s instanceof SimulationTrace trace) return trace.getMessage();
        }
        return null;
    }

    static String describe(Method m) {
        return m.getDeclaringClass().getName() + "." + m.getName();
    }

    // =====================================================================================
    // The plan: which seeds, which limits; bad values named
    // =====================================================================================

    /** Which seeds run, with which limits; {@code pinnedBy}: what chose the one seed to replay, or null. */
    private record Plan(long first, long count, String pinnedBy, long wallLimitSeconds, long horizonSeconds, long maxSteps,
                        long outsideWaitMillis) {

        static Plan of(SimulatedTest a, ExtensionContext context, Method method) {
            String where = "@SimulatedTest on " + describe(method);
            if (a.seeds() <= 0) throw bad(where, "seeds", "must be positive", a.seeds());
            if (a.wallLimitSeconds() <= 0) throw bad(where, "wallLimitSeconds", "must be positive", a.wallLimitSeconds());
            if (a.horizonSeconds() <= 0) throw bad(where, "horizonSeconds", "must be positive", a.horizonSeconds());
            if (a.maxSteps() <= 0) throw bad(where, "maxSteps", "must be positive", a.maxSteps());
            if (a.outsideWaitMillis() < 0) throw bad(where, "outsideWaitMillis", "must not be negative", a.outsideWaitMillis());
            Optional<Long> seedParam = parameter(context, SEED, where);
            Optional<Long> seedsParam = parameter(context, SEEDS, where);
            Optional<Long> firstParam = parameter(context, FIRST_SEED, where);
            if (seedsParam.isPresent() && seedsParam.get() <= 0) {
                throw new ExtensionConfigurationException("system property (or configuration parameter) " + SEEDS + " must be positive, was "
                        + seedsParam.get() + " (" + where + ")");
            }
            long first, count;
            String pinnedBy;
            if (seedParam.isPresent()) {
                first = seedParam.get();
                count = 1;
                pinnedBy = SEED;
            } else if (a.seed() != SimulatedTest.NO_SEED) {
                first = a.seed();
                count = 1;
                pinnedBy = "@SimulatedTest(seed = " + a.seed() + ")";
            } else {
                first = firstParam.orElse(a.firstSeed());
                count = seedsParam.orElse((long) a.seeds());
                pinnedBy = null;
            }
            return new Plan(first, count, pinnedBy, a.wallLimitSeconds(), a.horizonSeconds(), a.maxSteps(), a.outsideWaitMillis());
        }

        private static ExtensionConfigurationException bad(String where, String attribute, String rule, long value) {
            return new ExtensionConfigurationException(where + ": " + attribute + " " + rule + ", was " + value);
        }

        /** The system property {@code key}, or else the configuration parameter (the engine test kit ignores system properties). */
        private static Optional<Long> parameter(ExtensionContext context, String key, String where) {
            Optional<String> value = Optional.ofNullable(System.getProperty(key)).or(() -> context.getConfigurationParameter(key));
            return value.map(String::strip).map(v -> {
                try {
                    return Long.parseLong(v);
                } catch (NumberFormatException e) {
                    throw new ExtensionConfigurationException("system property (or configuration parameter) " + key
                            + " must be a whole number, was '" + v + "' (" + where + ")");
                }
            });
        }
    }
}
