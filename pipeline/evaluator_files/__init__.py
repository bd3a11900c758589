"""Readers for the files an evaluator writes by hand, with one error policy.

The contact register, the allow-list, review decisions, human codes and review sheets, and
gold files are read here and nowhere else, so every stage that needs one gets the same
checks and the same messages: the file, the line (or sheet row) and field, and what to do.
"""
