package dev.verity.lp;

/** The sense of a linear constraint {@code a·x (<=, >=, =) b}. */
public enum Sense { LE, GE, EQ }
