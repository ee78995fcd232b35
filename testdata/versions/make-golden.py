#!/usr/bin/env python3
"""Writes portage-vercmp.tsv: Portage's own vercmp() over every ordered pair of the versions
below (PMS examples and edge cases). Run with a Python that has portage installed:
    python3 -m venv v && v/bin/pip install portage==3.0.83 && v/bin/python make-golden.py > portage-vercmp.tsv
"""
import itertools, portage, portage.versions as pv
versions = """1 1.0 1.00 1.01 1.010 1.1 1.2 1.2.0 1.2.1 1.10 1.2a 1.2b 1.2z 1.2_alpha 1.2_alpha1 1.2_alpha2
1.2_beta 1.2_beta3 1.2_pre 1.2_pre1 1.2_rc 1.2_rc1 1.2_rc10 1.2_p 1.2_p1 1.2_p2 1.2-r1 1.2-r2 1.2-r10
1.2_rc1-r1 1.2_alpha_beta 1.2_beta_alpha 1.2_p1_alpha 1.2_p1_p1 1.2a_rc1 2 2.0_alpha 0.9.9 10 01.1
1.0001 1.002 3.1.4 3.1.5 3.1.10 5.0.6 5.0.7 5.1 1.35.0 1.35.1 1.35.10 20240101 2.0.0_p20240101""".split()
print("# a\tb\tsign of vercmp(a, b) by Portage", portage.VERSION)
for a, b in itertools.product(versions, repeat=2):
    r = pv.vercmp(a, b)
    print(f"{a}\t{b}\t{(r > 0) - (r < 0)}")
