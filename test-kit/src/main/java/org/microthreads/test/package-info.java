/**
 * The test kit: {@code @SimulatedTest} runs a test method under the simulated loop for many seeds.
 */
package org.microthreads.test;
