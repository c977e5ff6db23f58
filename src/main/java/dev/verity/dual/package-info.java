/**
 * Dual (Lagrangian) bounds: {@link dev.verity.dual.LagrangianDual}, the Lagrangian relaxation of paper 001
 * (Sec. 3, eq. 4–8) — every multiplier gives a valid lower bound (weak duality), so the bound can be
 * tightened for as long as time allows and stopped at any point.
 */
package dev.verity.dual;
