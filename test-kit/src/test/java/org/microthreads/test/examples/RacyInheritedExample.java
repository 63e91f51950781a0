package org.microthreads.test.examples;

/** {@link RacyExample}'s test, inherited: a failure names this class in its Maven command. */
@KitExample
public class RacyInheritedExample extends RacyExample {
}
