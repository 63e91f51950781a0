package org.microthreads.test.examples;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Marks an example test class that the kit's own tests run through JUnit's engine test kit: some
 * fail on purpose. Surefire never picks them (their names end in {@code Example}), and this
 * condition disables them anywhere else (an IDE running the whole package) unless the configuration
 * parameter {@value #PARAMETER} is {@code true}, as the kit's tests set it.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
@ExtendWith(KitExample.OnlyFromTheKitsTests.class)
public @interface KitExample {
    /** The configuration parameter that enables the examples. */
    String PARAMETER = "microthreads.kit.examples";

    /** Enabled only when {@value KitExample#PARAMETER} is {@code true}. */
    final class OnlyFromTheKitsTests implements ExecutionCondition {
        @Override
        public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
            return context.getConfigurationParameter(PARAMETER, Boolean::parseBoolean).orElse(false)
                    ? ConditionEvaluationResult.enabled("run by the kit's own tests")
                    : ConditionEvaluationResult.disabled("an example for the kit's own tests (some fail on purpose); set "
                            + PARAMETER + "=true to run it");
        }
    }
}
