'use strict';
// Small statistics helpers for the benchmark runner and its clients.

/** Returns the `fraction` quantile (0..1) of `values` by the nearest-rank method, or null for no values. */
function quantile(values, fraction) {
  if (values.length === 0) {
    return null;
  }
  const sorted = Float64Array.from(values).sort();
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(fraction * sorted.length) - 1));
  return sorted[rank];
}

function median(values) {
  return quantile(values, 0.5);
}

/** Returns (max - min) / median of `values`, the spread that the report prints, or null for fewer than two. */
function relativeSpread(values) {
  if (values.length < 2) {
    return null;
  }
  const middle = median(values);
  if (middle === 0) {
    return null;
  }
  return (Math.max(...values) - Math.min(...values)) / Math.abs(middle);
}

/** Summarizes latencies in nanoseconds as p50, p99 and mean in microseconds. */
function summarizeLatencies(latenciesNs) {
  if (latenciesNs.length === 0) {
    return { p50Us: null, p99Us: null, meanUs: null };
  }
  let total = 0;
  for (const value of latenciesNs) {
    total += value;
  }
  return {
    p50Us: quantile(latenciesNs, 0.5) / 1000,
    p99Us: quantile(latenciesNs, 0.99) / 1000,
    meanUs: total / latenciesNs.length / 1000,
  };
}

/**
 * Returns the latency that per-call credentials added (mean and p50, in microseconds), given the latencies in
 * nanoseconds of the calls with and without them.
 */
function summarizeCredentialCost(credentialLatenciesNs, plainLatenciesNs) {
  const withSummary = summarizeLatencies(credentialLatenciesNs);
  const withoutSummary = summarizeLatencies(plainLatenciesNs);
  if (withSummary.meanUs === null || withoutSummary.meanUs === null) {
    return { addedMeanUs: null, addedP50Us: null };
  }
  return {
    addedMeanUs: withSummary.meanUs - withoutSummary.meanUs,
    addedP50Us: withSummary.p50Us - withoutSummary.p50Us,
  };
}

module.exports = { quantile, median, relativeSpread, summarizeLatencies, summarizeCredentialCost };
