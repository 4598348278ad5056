"""Drives hamkari through a client that openapi-python-client generated from the committed
openapi/openapi.json: log in, create an organization and a member, make the member a
member of it, and read everything back. Fails loudly on any difference."""

import os
import sys
import uuid

from hamkari_client import AuthenticatedClient, Client
from hamkari_client.api.auth import login, me
from hamkari_client.api.members import create_member, get_member, list_members
from hamkari_client.api.memberships import create_membership
from hamkari_client.api.organizations import create_organization, get_organization, list_organizations
from hamkari_client.models import (
    CreateMember,
    CreateMembership,
    CreateOrganization,
    ListMembersRole,
    LoginRequest,
    MemberBody,
    MembershipBody,
    MembershipRole,
    OrganizationBody,
    OrganizationKind,
    Problem,
    TokenResponse,
)


def expect(value, kind, what):
    if not isinstance(value, kind):
        sys.exit(f"{what}: expected {kind.__name__}, got {value!r}")
    return value


def main(base_url: str) -> None:
    anonymous = Client(base_url=base_url, raise_on_unexpected_status=True)
    wrong = login.sync(client=anonymous, body=LoginRequest(email="nobody@hamkari.test", password="wrong password"))
    expect(wrong, Problem, "login with a wrong password")
    assert wrong.status == 401 and wrong.code == "unauthorized", wrong

    tokens = login.sync(
        client=anonymous,
        body=LoginRequest(email=os.environ["HAMKARI_ADMIN_EMAIL"], password=os.environ["HAMKARI_ADMIN_PASSWORD"]),
    )
    tokens = expect(tokens, TokenResponse, "login")
    client = AuthenticatedClient(base_url=base_url, token=tokens.access_token, raise_on_unexpected_status=True)
    assert me.sync(client=client).email == os.environ["HAMKARI_ADMIN_EMAIL"]

    name = "انجمن آزمایشگاه‌های کلاینت"
    org = create_organization.sync(
        client=client,
        body=CreateOrganization(name=name, name_en="Client Test Laboratories", kind=OrganizationKind.ASSOCIATION),
    )
    org = expect(org, OrganizationBody, "create organization")
    email = f"ali.{uuid.uuid4().hex[:12]}@example.org"
    person = create_member.sync(
        client=client,
        # Unique per run: schemathesis, which runs first on the same database, sends the
        # documented examples, and those name this person's national code and email.
        body=CreateMember(full_name="علی رضایی", email=email),
    )
    person = expect(person, MemberBody, "create member")
    membership = create_membership.sync(
        id=org.id,
        client=client,
        body=CreateMembership(member_id=person.id, role=MembershipRole.BOARD_CHAIR, starts_on="2024-03-20"),
    )
    membership = expect(membership, MembershipBody, "create membership")
    # Days are strings in the calendar the request chose (Gregorian by default).
    assert membership.starts_on == "2024-03-20", membership

    read_org = expect(get_organization.sync(id=org.id, client=client), OrganizationBody, "get organization")
    assert (read_org.name, read_org.version) == (name, 1), read_org
    read_person = expect(get_member.sync(id=person.id, client=client), MemberBody, "get member")
    assert read_person.full_name == "علی رضایی" and read_person.email == email, read_person

    # Search with Arabic letters finds the Persian name (normalized search keys).
    found = list_organizations.sync(client=client, q="آزمايشگاه")
    assert [o.id for o in found.items] == [org.id], found
    board = list_members.sync(client=client, organization_id=org.id, role=ListMembersRole.BOARD)
    assert [m.id for m in board.items] == [person.id], board
    missing = get_member.sync(id=membership.id, client=client)
    expect(missing, Problem, "get member by a membership id")
    assert missing.status == 404, missing
    print(f"generated client: organization {org.id}, member {person.id}, membership {membership.id}: ok")


if __name__ == "__main__":
    main(sys.argv[1])
