"""Identifier recognisers for the anonymise stage (one small class each, after Presidio).

:mod:`~pipeline.recognisers.base` holds the interface and the phrase index;
:mod:`~pipeline.recognisers.registry` is the one place where recognisers are registered.
"""
