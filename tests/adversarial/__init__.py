"""The adversarial suite of issue 9: hostile and odd input through every ``kg`` command.

``python -m tests.adversarial`` runs it and prints the counts table; ``tests/test_adversarial.py``
runs the same cases under pytest, one test per case.
"""
