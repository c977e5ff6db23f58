package dev.verity;

/**
 * An error in what the user gave Verity (a model, a property, a data file, a flag): the message
 * says what is wrong and where, and the CLI prints it and exits with status 2, without a stack trace.
 */
public class InvalidInputException extends RuntimeException {
    public InvalidInputException(String message) { super(message); }
    public InvalidInputException(String message, Throwable cause) { super(message, cause); }
}
