/**
 * Linear programs over network relaxations, with bounds that are sound despite floating point.
 *
 * <p>{@link dev.verity.lp.LpSolver} is a small port to an LP solver ({@link dev.verity.lp.OrToolsLpSolver}:
 * OR-Tools' GLOP simplex); {@link dev.verity.lp.LpModel} is Verity's own exact copy of what was given to
 * it. A solver's reported optimum is only as good as its tolerances (GLOP: ~1e-7 primal/dual
 * feasibility), so Verity never uses it as a bound: {@link dev.verity.lp.SafeBound} turns the solver's
 * dual values — any dual values — into a mathematically valid bound with the Neumaier–Shcherbina
 * construction (A. Neumaier, O. Shcherbina, "Safe bounds in linear and mixed-integer linear
 * programming", Math. Programming A 99, 2004). {@link dev.verity.lp.TriangleLp} encodes a ReLU network
 * with the Triangle (or Parallelogram) relaxation (paper 000 problem (C), paper 003 App. K.1).
 */
package dev.verity.lp;
