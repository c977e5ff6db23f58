package dev.verity;
import org.junit.jupiter.api.Test;
import static org.junit.jupiter.api.Assertions.*;
class SmokeTest { @Test void runs() { assertEquals(Runtime.version().feature() >= 25, true); } }
