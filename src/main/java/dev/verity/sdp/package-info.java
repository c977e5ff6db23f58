/**
 * The semidefinite relaxation of paper 002 (Raghunathan, Steinhardt, Liang 2018, eq. 7) for ReLU chains:
 * {@link dev.verity.sdp.SdpProblem} (the structured relaxation), {@link dev.verity.sdp.SdpSolver} (a first-order
 * dual method, anytime) and rigorous bounds — every reported bound is weak duality with a floating-point-verified
 * lower bound on the dual matrix's smallest eigenvalue ({@code CertifiedBound}), never an eigenvalue estimate.
 */
package dev.verity.sdp;
