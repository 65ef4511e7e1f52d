"""Python half of teacache: the CogVideoX pipeline and the TeaCache mechanism.

The skip *policy* (rescale polynomial, accumulator, threshold, forced steps) lives in the
TypeScript package; this package only measures, caches and reuses.
"""
