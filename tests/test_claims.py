"""Claims as first-class statements (issue 11): named, qualified, and true to the article.

The graph is read with plain rdflib from the bundled files, independently of kg's loader.
Each expected value below comes from the article (section and paragraph named beside it).
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from rdflib import RDF, Graph, Namespace, URIRef
from rdflib.namespace import SKOS

from .conftest import REPO

KG = Namespace("https://w3id.org/ssp-kg/id/")
SSP = Namespace("https://w3id.org/ssp-kg/ontology#")
ST = "https://w3id.org/ssp-kg/id/statement/"


@pytest.fixture(scope="module")
def g() -> Graph:
    graph = Graph()
    for path in [REPO / "ontology" / "ssp.ttl", *sorted((REPO / "data").glob("*.ttl"))]:
        graph.parse(Path(path), format="turtle")
    return graph


def _claims(g: Graph, s: str, p: URIRef, o: str) -> list[URIRef]:
    return [
        st
        for st in g.subjects(RDF.type, RDF.Statement)
        if (st, RDF.subject, KG[s]) in g
        and (st, RDF.predicate, p) in g
        and (st, RDF.object, KG[o]) in g
    ]


def _claim(g: Graph, s: str, p: URIRef, o: str) -> URIRef:
    (claim,) = _claims(g, s, p, o)
    assert (KG[s], p, KG[o]) in g, "the plain triple is asserted beside its claim"
    return claim


def _evidence(g: Graph, claim: URIRef) -> set[tuple[int, int]]:
    return {
        (int(str(g.value(e, SSP.section)).rsplit("-", 1)[1]), int(g.value(e, SSP.paragraph)))
        for e in g.objects(claim, SSP.evidence)
    }


def test_every_claim_is_named_by_its_triple(g):
    for st in g.subjects(RDF.type, RDF.Statement):
        assert isinstance(st, URIRef) and str(st).startswith(ST), st
        local = lambda term: str(term).rsplit("/", 1)[-1].rsplit("#", 1)[-1]  # noqa: E731
        stem = "--".join(local(g.value(st, x)) for x in (RDF.subject, RDF.predicate, RDF.object))
        rest = str(st)[len(ST) :]
        assert rest == stem or rest.startswith(stem + "--s"), st


def test_every_claim_has_one_modality_from_the_scheme(g):
    values = {SSP.fact, SSP.possibility, SSP.forecast}
    assert set(g.subjects(SKOS.inScheme, SSP.modalities)) == values
    for st in g.subjects(RDF.type, RDF.Statement):
        assert len(set(g.objects(st, SSP.modality))) == 1, st
        assert g.value(st, SSP.modality) in values, st


def test_forecasts_come_from_the_outlook_section(g):
    # Only section 6 looks ahead ("expected", "developments to watch", "will").
    for st in g.subjects(SSP.modality, SSP.forecast):
        assert {section for section, _ in _evidence(g, st)} == {6}, st


def test_the_listed_developments_are_forecasts(g):
    # s6 p2-p6 are the five developments to watch: every claim citing only them is a forecast,
    # except what sustainable and ethical goods answer to, which is true by definition.
    definitional = {KG["sustainable-and-ethical-goods"]}
    for st in g.subjects(RDF.type, RDF.Statement):
        cited = _evidence(g, st)
        if cited and all(section == 6 and 2 <= paragraph <= 6 for section, paragraph in cited):
            if g.value(st, RDF.subject) in definitional:
                assert g.value(st, SSP.modality) == SSP.fact, st
            else:
                assert g.value(st, SSP.modality) == SSP.forecast, st


def test_one_triple_stated_in_two_clauses_has_one_claim_per_clause(g):
    # s1 p2 hedges it ("In many cases" small operations were the first to build regional
    # reputations); A1 (s7 p2) states it outright. (s6 p7's driver of diversity is now a claim
    # about economic diversity, the broader node: F092.)
    claims = _claims(g, "small-scale-producers", SSP.contributesTo, "regional-reputations")
    assert {(g.value(c, SSP.modality), frozenset(_evidence(g, c))) for c in claims} == {
        (SSP.possibility, frozenset({(1, 2)})),
        (SSP.fact, frozenset({(7, 2)})),
    }


def test_agility_is_claimed_once_per_clause(g):
    # A3 (s7 p6) states it plainly; s3 p1 adds where it matters most (seasonal demand,
    # technological change, shifting preferences); s2 p2 hedges it under global disruption.
    claims = _claims(g, "small-scale-producers", SSP.hasCapability, "agility")
    assert {
        (
            g.value(c, SSP.modality),
            frozenset(_evidence(g, c)),
            frozenset(g.objects(c, SSP.condition)),
        )
        for c in claims
    } == {
        (SSP.fact, frozenset({(7, 6)}), frozenset()),
        (
            SSP.fact,
            frozenset({(3, 1)}),
            frozenset(
                {
                    KG["seasonal-demand"],
                    KG["technological-changes"],
                    KG["evolving-consumer-preferences"],
                }
            ),
        ),
        (SSP.possibility, frozenset({(2, 2)}), frozenset({KG["global-disruption"]})),
    }


def test_conditions_are_where_the_article_puts_them(g):
    # s2 p1: export growth "especially when demand for artisanal and eco-friendly goods rises".
    export = _claim(g, "small-scale-producers", SSP.contributesTo, "export-growth")
    assert set(g.objects(export, SSP.condition)) == {
        KG["rising-demand-for-artisanal-and-eco-friendly-goods"]
    }
    assert g.value(export, SSP.modality) == SSP.possibility
    # s2 p2: flexibility "in times of global disruption".
    flex = _claim(g, "small-scale-producers", SSP.contributesTo, "industry-flexibility")
    assert set(g.objects(flex, SSP.condition)) == {KG["global-disruption"]}
    # s6 p5: the agreements cut export barriers for artisanal and niche goods only.
    cut = _claim(g, "regional-trade-agreements", SSP.mitigates, "export-barriers")
    assert set(g.objects(cut, SSP.condition)) == {KG["artisanal-goods"], KG["niche-goods"]}
    # s2 p1: income, jobs and skills "for developing economies in particular".
    for outcome in ("income-generation", "community-employment", "skill-preservation"):
        claim = _claim(g, "small-scale-producers", SSP.contributesTo, outcome)
        assert set(g.objects(claim, SSP.condition)) == {KG["developing-economies"]}


def test_small_producers_shaped_early_commerce_rather_than_operating_in_it(g):
    # s1 p2: "played a key role in shaping early global commerce".
    claim = _claim(g, "small-scale-producers", SSP.shapes, "early-global-commerce")
    assert _evidence(g, claim) == {(1, 2)} and g.value(claim, SSP.modality) == SSP.fact
    assert (KG["small-scale-producers"], SSP.operatesIn, KG["early-global-commerce"]) not in g
    # s6 p1: expected to play an increasingly important role in shaping supply chains.
    future = _claim(g, "small-scale-producers", SSP.shapes, "global-supply-chains")
    assert g.value(future, SSP.modality) == SSP.forecast


def test_the_absence_of_mass_production_not_mass_production_favoured_quality(g):
    # s1 p1: with no mass production, quality and personalization often came before quantity.
    assert not set(g.predicate_objects(KG["mass-production"])) & {
        (SKOS.related, KG["personalization"])
    }
    claim = _claim(
        g, "absence-of-mass-production", SSP.encourages, "prioritising-quality-over-quantity"
    )
    assert g.value(claim, SSP.modality) == SSP.possibility
    for value in ("quality", "personalization"):
        _claim(g, "prioritising-quality-over-quantity", SSP.appealsTo, value)


def test_bureaucracy_is_a_trait_of_large_corporations(g):
    # s3 p1: "bureaucratic layers and rigid processes often found in large corporations".
    assert (KG["bureaucratic-rigidity"], RDF.type, SSP.Trait) in g
    assert (KG["bureaucratic-rigidity"], RDF.type, SSP.Challenge) not in g
    claim = _claim(g, "large-corporations", SSP.hasTrait, "bureaucratic-rigidity")
    assert g.value(claim, SSP.modality) == SSP.possibility
    assert (KG["large-corporations"], SSP.faces, KG["bureaucratic-rigidity"]) not in g


def test_missing_economies_of_scale_cause_high_unit_costs(g):
    # s4 p1: without economies of scale, costs per unit "can be higher".
    claim = _claim(g, "barriers-of-scale", SSP.causes, "high-per-unit-costs")
    assert g.value(claim, SSP.modality) == SSP.possibility
    assert (KG["barriers-of-scale"], SSP.aggravates, KG["high-per-unit-costs"]) not in g


def test_support_programmes_provide_financing_and_market_access(g):
    # s6 p4: programmes "that provide financing, training, and market access".
    for resource in ("financing", "market-access"):
        assert (KG[resource], RDF.type, SSP.Resource) in g
        claim = _claim(g, "support-programmes", SSP.offers, resource)
        assert g.value(claim, SSP.modality) == SSP.forecast
    assert (KG["support-programmes"], SSP.mitigates, KG["market-visibility"]) not in g


def test_rules_are_requirements_that_compliance_concerns(g):
    # s4 p1: the challenge is compliance *with* regulations, certifications, shipping rules.
    for rule in (
        "international-trade-regulations",
        "quality-certifications",
        "shipping-requirements",
    ):
        assert (KG[rule], RDF.type, SSP.Requirement) in g
        assert not any(True for _ in g.triples((KG[rule], RDF.type, SSP.RegulatoryChallenge)))
        assert (KG[rule], SKOS.broader, KG["regulatory-compliance"]) not in g
        _claim(g, "regulatory-compliance", SSP.concerns, rule)


def test_competitive_advantage_is_an_outcome_under_its_condition(g):
    # s2 p1: "This creates a competitive advantage in sectors where differentiation matters".
    assert (KG["competitive-advantage"], RDF.type, SSP.Outcome) in g
    claim = _claim(
        g, "targeting-value-driven-consumers", SSP.contributesTo, "competitive-advantage"
    )
    assert set(g.objects(claim, SSP.condition)) == {KG["differentiation-driven-sectors"]}


def test_the_concepts_the_first_edition_missed(g):
    for name, cls in [
        ("market-access", SSP.Resource),
        ("raw-materials", SSP.Resource),
        ("valuable-economic-assets", SSP.Outcome),
        ("cost-of-gaining-visibility", SSP.FinancialChallenge),
        ("inimitability", SSP.Capability),
        ("historical-foundation-of-small-scale-production", SSP.HistoricalContext),
    ]:
        assert (KG[name], RDF.type, cls) in g, name
    # s1 p2: the reputations "later became valuable economic assets"; the historical
    # foundation "continues to influence modern supply chains".
    _claim(g, "regional-reputations", SSP.contributesTo, "valuable-economic-assets")
    _claim(g, "historical-foundation-of-small-scale-production", SSP.shapes, "global-supply-chains")


def test_skos_related_is_rare(g):
    related = sum(1 for _ in g.subject_objects(SKOS.related))
    relations = sum(1 for _ in g.subjects(RDF.type, RDF.Statement))
    assert related / relations <= 0.03


def test_no_anchor_backs_more_than_three_claims(g):
    uses = Counter(
        (str(g.value(e, SSP.section)), int(g.value(e, SSP.paragraph)), str(g.value(e, SSP.anchor)))
        for st in g.subjects(RDF.type, RDF.Statement)
        for e in set(g.objects(st, SSP.evidence))
    )
    assert max(uses.values()) <= 3, uses.most_common(3)


def test_inferences_are_marked_and_stated_claims_are_not(g):
    # s5 p1 says what the sales channels let producers do, never that they take them up.
    adopt = _claim(g, "small-scale-producers", SSP.adopts, "e-commerce-platforms")
    assert g.value(adopt, SSP.inferred).toPython() is True
    # s6 p4 states outright that the programmes provide financing.
    offer = _claim(g, "support-programmes", SSP.offers, "financing")
    assert g.value(offer, SSP.inferred) is None
    # that the financing eases s4 p1's financing limit is the curator's link.
    eases = _claim(g, "support-programmes", SSP.mitigates, "limited-access-to-financing")
    assert g.value(eases, SSP.inferred).toPython() is True


def test_only_the_outlook_developments_are_trends(g):
    # s2 p1's rising demand is a present condition ("rises internationally"), not a development
    # ahead; the five trends are the developments to watch of s6 p2-p6.
    trends = set(g.subjects(RDF.type, SSP.Trend))
    assert KG["rising-demand-for-artisanal-and-eco-friendly-goods"] not in trends
    assert len(trends) == 5


def test_roots_and_what_the_outlook_keeps(g):
    # s1 p1: small-scale production has its roots in the earliest craft and local trade.
    _claim(g, "small-scale-producers", SSP.originatesIn, "early-craftsmanship-and-local-trade")
    assert (
        KG["small-scale-producers"],
        SSP.operatesIn,
        KG["early-craftsmanship-and-local-trade"],
    ) not in g
    # s6 p3: more efficiency "without sacrificing flexibility", a forecast.
    keep = _claim(g, "investment-in-digital-tools-and-automation", SSP.preserves, "agility")
    assert g.value(keep, SSP.modality) == SSP.forecast


def test_the_harms_are_nodes_that_small_producers_reduce(g):
    # s2 p2 (and A2, s7 p4): small producers, offering other products and methods, help prevent
    # monopoly control and uniformity; varied sources lessen dependency on a few big suppliers.
    for subject in ("small-scale-producers", "offering-alternative-products-and-methods"):
        for harm in ("monopolistic-control", "over-standardization"):
            claim = _claim(g, subject, SSP.reduces, harm)
            assert g.value(claim, SSP.modality) == SSP.fact
    for subject in ("small-scale-producers", "market-diversity", "source-diversification"):
        _claim(g, subject, SSP.reduces, "dependency-on-few-large-suppliers")
    _claim(g, "dependency-on-few-large-suppliers", SSP.hinders, "supply-chain-resilience")
    # A5 (s7 p10): digital tools work "with minimal overhead": a cost kept down.
    _claim(g, "digital-technology", SSP.mitigates, "overhead-costs")
    # No node hides the polarity in its label any more.
    for gone in (
        "prevention-of-monopolistic-control",
        "avoidance-of-over-standardization",
        "reduced-dependency-on-few-large-suppliers",
        "minimal-overhead",
    ):
        assert (KG[gone], RDF.type, SKOS.Concept) not in g


def test_beneficiaries_requirements_and_what_decides(g):
    # s2 p2: the flexibility goes to industries relying on varied inputs, in global disruption.
    flex = _claim(g, "industry-flexibility", SSP.benefits, "input-dependent-industries")
    assert set(g.objects(flex, SSP.condition)) == {KG["global-disruption"]}
    assert g.value(flex, SSP.modality) == SSP.possibility
    # s4 p2: gaining visibility abroad often requires three things (a prerequisite, not a remedy).
    for need in (
        "digital-marketing-expertise",
        "participation-in-trade-fairs",
        "partnerships-with-distributors",
    ):
        claim = _claim(g, "international-visibility", SSP.requires, need)
        assert g.value(claim, SSP.modality) == SSP.possibility
    # s6 p7: the interplay of tradition and innovation will define competitiveness.
    decide = _claim(g, "tradition-innovation-interplay", SSP.determines, "global-competitiveness")
    assert g.value(decide, SSP.modality) == SSP.forecast
    # s6 p7 and Q2 speak of economic diversity, of which market diversity is one part.
    assert (KG["market-diversity"], SKOS.broader, KG["economic-diversity"]) in g
    _claim(g, "small-scale-producers", SSP.contributesTo, "economic-diversity")


def test_the_risk_of_being_overshadowed_is_a_possibility(g):
    # s4 p2: even innovative producers "risk" being overshadowed by better-networked rivals;
    # every claim into the risk is hedged, as the conventions count risk as possibility.
    claims = [
        st
        for st in g.subjects(RDF.type, RDF.Statement)
        if (st, RDF.object, KG["overshadowing-by-larger-competitors"]) in g
    ]
    assert claims
    for claim in claims:
        assert g.value(claim, SSP.modality) == SSP.possibility, claim


def test_customisation_and_personalization_find_each_other(g):
    # s1 p1 (personalization, a quality ranked above quantity) and s3 p2 (customising products
    # to unmet needs) name one idea; the classes differ, so the two nodes are linked, not merged.
    claim = _claim(g, "customisation", SKOS.related, "personalization")
    assert g.value(claim, SSP.inferred).toPython() is True
    assert (KG["customisation"], RDF.type, SSP.Capability) in g
    assert (KG["personalization"], RDF.type, SSP.ConsumerValue) in g


# The kinds that may contribute to an outcome (README's relations table, from the ontology's
# definition of contributesTo): nine, too many for one owl:unionOf domain.
CONTRIBUTORS = {
    "Producer", "Capability", "Practice", "Technology", "SupportMeasure", "Trend", "Context",
    "ProductCategory", "Outcome",
}


def test_no_domain_or_range_is_a_union_of_more_than_five_kinds(g):
    OWL_UNION = URIRef("http://www.w3.org/2002/07/owl#unionOf")
    RDFS = "http://www.w3.org/2000/01/rdf-schema#"
    for axis in ("domain", "range"):
        for prop, union in g.subject_objects(URIRef(RDFS + axis)):
            members = list(g.items(g.value(union, OWL_UNION))) if g.value(union, OWL_UNION) else []
            assert len(members) <= 5, (prop, axis, len(members))


@pytest.mark.parametrize("prop", ["contributesTo", "reduces"])
def test_broad_domains_list_their_kinds_with_domain_includes(g, prop):
    schema = URIRef("https://schema.org/domainIncludes")
    domain = URIRef("http://www.w3.org/2000/01/rdf-schema#domain")
    assert g.value(SSP[prop], domain) == SSP.Concept
    assert {str(c).removeprefix(str(SSP)) for c in g.objects(SSP[prop], schema)} == CONTRIBUTORS
