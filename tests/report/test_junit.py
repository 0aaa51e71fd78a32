#!/usr/bin/python3
"""`sgdcheck run/check --junit FILE` writes JUnit XML that CI systems (GitLab, Jenkins) accept.

The document is validated twice: against an XML Schema written here from the element rules those
systems use (lxml), and by explicit rules on the counts. Its verdicts are compared with checks.json
and with the numbers in it (a tightness cell must fail exactly when bound/mean > max_ratio).
Usage: test_junit.py SGDCHECK_EXE
"""
import json
import os
import sys
import xml.etree.ElementTree as ET

from lxml import etree

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import experiment, run, expect, fail, tempdir  # noqa: E402

# The element rules of the JUnit dialect of Jenkins (junit-10.xsd) and GitLab, restricted to what a
# consumer relies on: testsuites > testsuite > testcase > (failure | error | skipped)? system-out? ...
XSD = b"""<?xml version="1.0" encoding="UTF-8"?>
<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" elementFormDefault="qualified">
  <xs:element name="failure"><xs:complexType mixed="true">
    <xs:attribute name="message" type="xs:string" use="required"/>
    <xs:attribute name="type" type="xs:string"/></xs:complexType></xs:element>
  <xs:element name="error"><xs:complexType mixed="true">
    <xs:attribute name="message" type="xs:string"/><xs:attribute name="type" type="xs:string"/></xs:complexType></xs:element>
  <xs:element name="skipped"><xs:complexType mixed="true">
    <xs:attribute name="message" type="xs:string"/></xs:complexType></xs:element>
  <xs:element name="system-out" type="xs:string"/>
  <xs:element name="system-err" type="xs:string"/>
  <xs:element name="testcase"><xs:complexType><xs:sequence>
      <xs:choice minOccurs="0" maxOccurs="1">
        <xs:element ref="skipped"/><xs:element ref="error"/><xs:element ref="failure"/></xs:choice>
      <xs:element ref="system-out" minOccurs="0"/><xs:element ref="system-err" minOccurs="0"/></xs:sequence>
    <xs:attribute name="name" type="xs:string" use="required"/>
    <xs:attribute name="classname" type="xs:string" use="required"/>
    <xs:attribute name="time" type="xs:decimal"/></xs:complexType></xs:element>
  <xs:element name="testsuite"><xs:complexType><xs:sequence>
      <xs:element ref="testcase" minOccurs="0" maxOccurs="unbounded"/>
      <xs:element ref="system-out" minOccurs="0"/><xs:element ref="system-err" minOccurs="0"/></xs:sequence>
    <xs:attribute name="name" type="xs:string" use="required"/>
    <xs:attribute name="tests" type="xs:nonNegativeInteger" use="required"/>
    <xs:attribute name="failures" type="xs:nonNegativeInteger" use="required"/>
    <xs:attribute name="errors" type="xs:nonNegativeInteger" use="required"/>
    <xs:attribute name="skipped" type="xs:nonNegativeInteger"/>
    <xs:attribute name="time" type="xs:decimal"/>
    <xs:attribute name="timestamp" type="xs:dateTime"/></xs:complexType></xs:element>
  <xs:element name="testsuites"><xs:complexType><xs:sequence>
      <xs:element ref="testsuite" minOccurs="0" maxOccurs="unbounded"/></xs:sequence>
    <xs:attribute name="name" type="xs:string"/>
    <xs:attribute name="tests" type="xs:nonNegativeInteger"/>
    <xs:attribute name="failures" type="xs:nonNegativeInteger"/>
    <xs:attribute name="errors" type="xs:nonNegativeInteger"/>
    <xs:attribute name="skipped" type="xs:nonNegativeInteger"/>
    <xs:attribute name="time" type="xs:decimal"/></xs:complexType></xs:element>
</xs:schema>"""


def verdict(tc):
    kids = [k.tag for k in tc]
    for tag in ("failure", "error", "skipped"):
        if tag in kids:
            return tag
    return "passed"


def validate(path):
    """Schema and count rules; returns {suite name: [(classname, name, verdict, element)]}."""
    schema = etree.XMLSchema(etree.fromstring(XSD))
    doc = etree.parse(path)
    if not schema.validate(doc):
        fail(f"{path} violates the JUnit schema: {schema.error_log}")
    root = ET.parse(path).getroot()
    expect(root.tag == "testsuites", "root element is testsuites")
    suites = {}
    totals = {"tests": 0, "failures": 0, "skipped": 0}
    for s in root:
        cases = [(tc.get("classname"), tc.get("name"), verdict(tc), tc) for tc in s.findall("testcase")]
        expect(int(s.get("tests")) == len(cases), f"suite {s.get('name')}: tests = number of testcases")
        nf = sum(v == "failure" for _, _, v, _ in cases)
        ns = sum(v == "skipped" for _, _, v, _ in cases)
        expect(int(s.get("failures")) == nf, f"suite {s.get('name')}: failures = {nf}")
        expect(int(s.get("skipped")) == ns, f"suite {s.get('name')}: skipped = {ns}")
        expect(int(s.get("errors")) == 0, "no errors: a check either passes, fails or is skipped")
        names = [(c, n) for c, n, _, _ in cases]
        expect(len(set(names)) == len(names), f"suite {s.get('name')}: (classname, name) unique")
        for _, _, v, tc in cases:
            if v == "failure":
                expect(tc.find("failure").get("message", "").strip() != "", "a failure says why")
        totals["tests"] += len(cases)
        totals["failures"] += nf
        totals["skipped"] += ns
        suites[s.get("name")] = cases
    for k, v in totals.items():
        expect(int(root.get(k)) == v, f"testsuites {k} = {v}")
    return suites


def expected_from_checks_json(path, suite):
    """(classname, verdict) per testcase as checks.json implies them."""
    out = []
    for c in json.load(open(path))["checks"]:
        cls = f"{suite}.{c['check']}"
        st = c["status"]
        mapping = {"pass": "passed", "report": "passed", "fail": "failure", "skipped": "skipped"}
        if c.get("cells"):
            for cell in c["cells"]:
                cst = cell["status"] if st in ("pass", "fail") else st
                out.append((cls, mapping[cst]))
        else:
            out.append((cls, mapping[st]))
    return sorted(out)


def main():
    exe = sys.argv[1]
    with tempdir() as tmp:
        a = os.path.join(tmp, "a.yaml")
        b = os.path.join(tmp, "b.yaml")
        # a: passes per cell (matches_exact), fails per cell (tightness with max_ratio 12: the bound is
        # loose by a factor 15-25 here), passes in one selected cell, and a report-only fit.
        open(a, "w").write(experiment("junit_a", 50, 0.25, [
            "matches_exact: {oracle: oracle.minibatch_lsq.dist2, k: 4}",
            "tightness: {bound: sgd.strongly_convex.dist2, max_ratio: 12}",
            "bound_holds: {bound: sgd.strongly_convex.dist2, k: 3, where: \"batch=8\"}",
            "fit_rate: {sweep: runner.batch, bootstrap: 0, target: 0.5}"]))
        # b: a step 12x the guideline's, beyond the bound's hypothesis: the bound checks are skipped.
        open(b, "w").write(experiment("junit_b", 10, 3, [
            "tightness: {bound: sgd.strongly_convex.dist2, max_ratio: 12}",
            "bound_holds: {bound: sgd.strongly_convex.dist2, k: 3}"]))
        xml = os.path.join(tmp, "junit.xml")
        out = os.path.join(tmp, "out")
        rc, so, se = run([exe, "run", a, b, "--no-plots", "--jobs", "2", "--out", out, "--junit", xml])
        expect(rc == 1, f"a failed check exits 1 (got {rc}: {se})")
        suites = validate(xml)
        expect(sorted(suites) == ["junit_a", "junit_b"], "one testsuite per experiment")

        a_cases = suites["junit_a"]
        # Tightness: one testcase per cell; the verdict follows the numbers in checks.json.
        checks = json.load(open(os.path.join(out, "junit_a", "checks.json")))["checks"]
        tight = next(c for c in checks if c["check"] == "tightness")
        expect(len(tight["cells"]) == 3, "tightness judges 3 cells")
        for cell in tight["cells"]:
            want = "failure" if cell["ratio"] > 12 else "passed"
            expect(abs(cell["ratio"] - cell["bound"] / cell["observed"]) <= 1e-12 * cell["ratio"],
                   "ratio = bound / observed")
            got = [v for c, n, v, _ in a_cases if c == "junit_a.tightness" and n.endswith("[" + cell["cell"] + "]")]
            expect(got == [want], f"tightness {cell['cell']}: {got} vs {want}")
        expect(any(v == "failure" for c, _, v, _ in a_cases if c == "junit_a.tightness"),
               "the loose bound fails at least one cell")
        fails = [tc for c, _, v, tc in a_cases if v == "failure"]
        expect(all("max 12" in tc.find("failure").get("message") for tc in fails),
               "the failure message is the cell's line with the numbers")
        # The report-only check: passed, with its numbers in system-out.
        rep = [tc for c, _, v, tc in a_cases if c == "junit_a.fit_rate"]
        expect(len(rep) == 1 and verdict(rep[0]) == "passed", "a report-only check is one passed testcase")
        expect("beta_hat" in (rep[0].find("system-out").text or ""), "with its numbers as output")
        expect(len([1 for c, _, _, _ in a_cases if c == "junit_a.bound_holds"]) == 1,
               "bound_holds with where: one cell, one testcase")
        b_cases = suites["junit_b"]
        expect(len(b_cases) == 6 and all(v == "skipped" for _, _, v, _ in b_cases),
               f"a bound that applies nowhere skips every cell: {[(n, v) for _, n, v, _ in b_cases]}")
        expect(all(tc.find("skipped").get("message") for _, _, _, tc in b_cases), "skipped testcases say why")
        for name in ("junit_a", "junit_b"):
            got = sorted((c, v) for c, _, v, _ in suites[name])
            expect(got == expected_from_checks_json(os.path.join(out, name, "checks.json"), name),
                   f"{name}: verdicts as in checks.json")

        # `check DIR --junit` gives the same testcases from the tables.
        xml2 = os.path.join(tmp, "check.xml")
        rc, so, se = run([exe, "check", os.path.join(out, "junit_a"), "--junit", xml2])
        expect(rc == 1, f"check DIR exits 1 as run did ({rc}: {se})")
        again = validate(xml2)["junit_a"]
        expect([(c, n, v) for c, n, v, _ in again] == [(c, n, v) for c, n, v, _ in a_cases],
               "check DIR --junit: the same testcases and verdicts")
    print("junit: ok")


if __name__ == "__main__":
    main()
