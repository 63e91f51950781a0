package org.microthreads.examples;
public class Tour { public static void main(String[] a) {} }
