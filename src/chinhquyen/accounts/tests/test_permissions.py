"""Every access decision as a matrix: who × what → allowed or not."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser

from chinhquyen.accounts import permissions

pytestmark = pytest.mark.django_db

PEOPLE = [
    "admin",
    "justice_leader",
    "justice_specialist",
    "justice_intake",
    "building_specialist",
    "root_leader",
    "ward_clerk",
    "citizen",
    "anonymous",
]


@pytest.fixture
def people(officials, citizen):
    return {**officials, "citizen": citizen, "anonymous": AnonymousUser()}


# agency the question is about → who may view its work
VIEW_AGENCY = {
    "justice": {"admin", "justice_leader", "justice_specialist", "justice_intake", "root_leader"},
    "building": {"admin", "building_specialist", "root_leader"},
    "ward": {"admin", "ward_clerk", "root_leader"},
    "root": {"admin", "root_leader"},
}


@pytest.mark.parametrize("agency_key", sorted(VIEW_AGENCY))
@pytest.mark.parametrize("who", PEOPLE)
def test_can_view_agency(people, agency_tree, who, agency_key):
    expected = who in VIEW_AGENCY[agency_key]
    assert permissions.can_view_agency(people[who], agency_tree[agency_key]) is expected


MANAGE_OFFICIALS = {
    "justice": {"admin", "justice_leader", "root_leader"},
    "building": {"admin", "root_leader"},
    "ward": {"admin", "root_leader"},
}


@pytest.mark.parametrize("agency_key", sorted(MANAGE_OFFICIALS))
@pytest.mark.parametrize("who", PEOPLE)
def test_can_manage_officials(people, agency_tree, who, agency_key):
    expected = who in MANAGE_OFFICIALS[agency_key]
    assert permissions.can_manage_officials(people[who], agency_tree[agency_key]) is expected


@pytest.mark.parametrize("who", PEOPLE)
def test_admin_only_decisions(people, who):
    is_admin = who == "admin"
    assert permissions.can_view_audit_log(people[who]) is is_admin
    assert permissions.can_manage_organizations(people[who]) is is_admin
    assert permissions.can_view_outbox(people[who]) is is_admin
    assert permissions.requires_two_factor(people[who]) is is_admin


@pytest.mark.parametrize("who", PEOPLE)
def test_can_use_workspace(people, who):
    assert permissions.can_use_workspace(people[who]) is (who not in {"citizen", "anonymous"})


@pytest.mark.parametrize("who", PEOPLE)
def test_can_view_profile_of_citizen(people, who):
    assert permissions.can_view_profile(people[who], people["citizen"]) is (
        who in {"citizen", "admin"}
    )


def test_citizen_cannot_see_another_citizens_profile(citizen, other_citizen):
    assert not permissions.can_view_profile(citizen, other_citizen)
    assert permissions.can_view_profile(other_citizen, other_citizen)


def test_inactive_official_loses_everything(officials, agency_tree):
    leader = officials["justice_leader"]
    leader.is_active = False
    leader.save()
    assert not permissions.can_view_agency(leader, agency_tree["justice"])
    assert not permissions.can_use_workspace(leader)


def test_scope_of_root_leader_covers_the_subtree(officials, agency_tree):
    ids = permissions.agency_ids_in_scope(officials["root_leader"])
    assert ids == {a.pk for a in agency_tree.values()}
    assert permissions.agency_ids_in_scope(officials["admin"]) is None
    assert permissions.agency_ids_in_scope(officials["justice_specialist"]) == {
        agency_tree["justice"].pk
    }
