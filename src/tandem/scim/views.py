"""The SCIM 2.0 endpoints under ``/scim/v2``: Users (the organisation's people),
Groups (its teams) and the discovery documents.

Every request but discovery carries ``Authorization: Bearer scim_…``, a token an admin
made for the organisation; the token's organisation is the only one the request sees.
Answers are ``application/scim+json``; refusals are in the SCIM error schema. A write
is one transaction: a PATCH whose third operation is refused changes nothing.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt

from tandem.accounts.models import Organization
from tandem.scim import selectors, services
from tandem.scim.protocol import (
    CONTENT_TYPE,
    ENTERPRISE_SCHEMA,
    GROUP_SCHEMA,
    LIST_SCHEMA,
    PATCH_SCHEMA,
    USER_SCHEMA,
    Path,
    ScimError,
    as_bool,
    as_text,
    lowered,
    matches,
    parse_filter,
    parse_path,
)

DEFAULT_COUNT = 100
MAX_COUNT = 500
_WRITES = {"POST", "PUT", "PATCH", "DELETE"}


def _answer(status: int, body: Any = None) -> HttpResponse:
    if body is None:
        return HttpResponse(status=status)
    return HttpResponse(json.dumps(body), status=status, content_type=CONTENT_TYPE)


def _error(exc: ScimError) -> HttpResponse:
    response = _answer(exc.status, exc.body())
    if exc.status == 401:
        response["WWW-Authenticate"] = 'Bearer realm="tandem-scim"'
    return response


def _authenticate(request: HttpRequest) -> Organization:
    header = request.headers.get("Authorization", "")
    scheme, _, secret = header.partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        raise ScimError(
            401,
            "Send the organisation's SCIM token: Authorization: Bearer scim_… (an admin "
            "creates one under Settings, Provisioning).",
        )
    token = services.scim_token_find(secret.strip())
    if token is None:
        raise ScimError(401, "This SCIM token is not valid; check it was copied whole.")
    if token.is_revoked:
        raise ScimError(401, f"The SCIM token “{token.name}” was revoked.")
    services.scim_token_touch(token=token)
    return token.organization


Handler = Callable[..., HttpResponse]


def endpoint(*methods: str, public: bool = False) -> Callable[[Handler], Handler]:
    """A SCIM endpoint answering ``methods``: authenticated (unless ``public``), its
    refusals in the SCIM error schema, its writes in one transaction."""

    def wrap(handler: Handler) -> Handler:
        @csrf_exempt
        @functools.wraps(handler)
        def view(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            try:
                if request.method not in methods:
                    response = _error(
                        ScimError(
                            405, f"{request.method} is not allowed here; use {', '.join(methods)}."
                        )
                    )
                    response["Allow"] = ", ".join(methods)
                    return response
                if not public:
                    kwargs["organization"] = _authenticate(request)
                if request.method in _WRITES:
                    with transaction.atomic():
                        return handler(request, *args, **kwargs)
                return handler(request, *args, **kwargs)
            except ScimError as exc:
                return _error(exc)
            except services.Conflict as exc:
                return _error(ScimError(409, str(exc), "uniqueness"))
            except ValidationError as exc:
                return _error(ScimError(400, _sentence(exc), "invalidValue"))
            except Http404 as exc:
                return _error(ScimError(404, str(exc) or "Not found in this organisation."))

        return view

    return wrap


def _sentence(exc: ValidationError) -> str:
    if hasattr(exc, "error_dict"):
        return " ".join(
            f"{field}: {message}" if field != "__all__" else message
            for field, messages in exc.message_dict.items()
            for message in messages
        )
    return " ".join(exc.messages)


def _body(request: HttpRequest) -> dict[str, Any]:
    try:
        data = json.loads(request.body or b"{}")
    except (ValueError, UnicodeDecodeError) as exc:
        raise ScimError(400, f"The body is not valid JSON: {exc}.", "invalidSyntax") from None
    if not isinstance(data, dict):
        raise ScimError(400, "The body must be a JSON object.", "invalidSyntax")
    return data


def _location(request: HttpRequest, kind: str, pk: int) -> str:
    return request.build_absolute_uri(f"/scim/v2/{kind}/{pk}")


def _split(full_name: str) -> tuple[str, str]:
    given, _, family = full_name.partition(" ")
    return given, family


# -- representations ---------------------------------------------------------------------


def user_resource(request: HttpRequest, person: selectors.Person) -> dict[str, Any]:
    user, membership, link = person.user, person.membership, person.link
    given, family = _split(user.full_name)
    created = link.created_at if link else membership.joined_at if membership else user.date_joined
    modified = link.updated_at if link and link.updated_at > created else created
    resource: dict[str, Any] = {
        "schemas": [USER_SCHEMA],
        "id": str(user.pk),
        "userName": person.user_name,
        "name": {"formatted": user.full_name, "givenName": given, "familyName": family},
        "displayName": user.full_name,
        "active": membership is not None,
        "emails": [{"value": user.email, "type": "work", "primary": True}],
        "groups": [
            {
                "value": str(team.pk),
                "display": team.name,
                "$ref": _location(request, "Groups", team.pk),
            }
            for team in person.teams
        ],
        "meta": {
            "resourceType": "User",
            "created": created.isoformat(),
            "lastModified": modified.isoformat(),
            "location": _location(request, "Users", user.pk),
        },
    }
    if link is not None and link.external_id:
        resource["externalId"] = link.external_id
    if membership is not None and membership.title:
        resource["title"] = membership.title
    return resource


def group_resource(request: HttpRequest, group: selectors.Group) -> dict[str, Any]:
    team = group.team
    resource: dict[str, Any] = {
        "schemas": [GROUP_SCHEMA],
        "id": str(team.pk),
        "displayName": team.name,
        "members": [
            {"value": str(u.pk), "display": u.full_name, "$ref": _location(request, "Users", u.pk)}
            for u in group.members
        ],
        "meta": {
            "resourceType": "Group",
            "created": team.created_at.isoformat(),
            "lastModified": team.created_at.isoformat(),
            "location": _location(request, "Groups", team.pk),
        },
    }
    if group.link is not None and group.link.external_id:
        resource["externalId"] = group.link.external_id
    return resource


def _shape(request: HttpRequest, resource: dict[str, Any]) -> dict[str, Any]:
    """``attributes`` and ``excludedAttributes`` of the query (top-level ones)."""

    def names(param: str) -> set[str]:
        raw = request.GET.get(param, "")
        found = set()
        for item in raw.split(","):
            item = item.strip()
            if item:
                found.add(parse_path(item).attribute)
        return found

    keep = names("attributes")
    drop = names("excludedAttributes")
    always = {"id", "schemas", "meta"}
    shaped = {}
    for key, value in resource.items():
        lower = key.lower()
        if keep and lower not in keep and lower not in always:
            continue
        if lower in drop and lower not in always:
            continue
        shaped[key] = value
    return shaped


def _page(request: HttpRequest) -> tuple[int, int]:
    def number(name: str, default: int) -> int:
        raw = request.GET.get(name)
        if raw is None or raw == "":
            return default
        try:
            return int(raw)
        except ValueError:
            raise ScimError(
                400, f"{name} must be a whole number, not {raw!r}.", "invalidValue"
            ) from None

    # RFC 7644, 3.4.2.4: below 1 means 1; a negative count means 0.
    start = max(1, number("startIndex", 1))
    count = min(MAX_COUNT, max(0, number("count", DEFAULT_COUNT)))
    return start, count


def _list(resources: list[dict[str, Any]], total: int, start: int) -> HttpResponse:
    return _answer(
        200,
        {
            "schemas": [LIST_SCHEMA],
            "totalResults": total,
            "startIndex": start,
            "itemsPerPage": len(resources),
            "Resources": resources,
        },
    )


# -- reading a User out of a request -----------------------------------------------------

# Attributes of the core User schema that Tandem accepts and does not keep.
IGNORED_USER_ATTRIBUTES = frozenset(
    {
        "nickname",
        "profileurl",
        "usertype",
        "preferredlanguage",
        "locale",
        "timezone",
        "phonenumbers",
        "ims",
        "photos",
        "addresses",
        "entitlements",
        "roles",
        "x509certificates",
        "password",
        "groups",
        "schemas",
        "meta",
        "id",
    }
)
_IGNORED_NAME_PARTS = frozenset({"middlename", "honorificprefix", "honorificsuffix"})


def _ignored(attribute: str) -> bool:
    return attribute in IGNORED_USER_ATTRIBUTES or attribute.startswith(ENTERPRISE_SCHEMA.lower())


def _email_of(value: Any) -> str | None:
    """The address to keep from an ``emails`` value: the primary one, else the work one,
    else the first."""
    if not isinstance(value, list) or not value:
        raise ScimError(400, "emails must be a list of {value, type, primary}.", "invalidValue")
    items = [lowered(item) for item in value if isinstance(item, dict)]
    for choose in (
        lambda i: i.get("primary") in (True, "true", "True"),
        lambda i: str(i.get("type", "")).lower() == "work",
        lambda i: True,
    ):
        for item in items:
            if choose(item) and item.get("value"):
                return as_text(item["value"], "emails.value")
    return None


def _full_name(name: dict[str, Any], display_name: str) -> str:
    formatted = as_text(name.get("formatted"), "name.formatted").strip()
    joined = " ".join(
        as_text(name.get(part), f"name.{part}").strip() for part in ("givenname", "familyname")
    ).strip()
    return formatted or joined or display_name.strip()


def _user_from(body: dict[str, Any]) -> dict[str, Any]:
    """The values a POST or PUT body gives, as ``scim_user_*`` arguments."""
    data = lowered(body)
    for key in data:
        if key not in {
            "username",
            "name",
            "displayname",
            "emails",
            "externalid",
            "active",
            "title",
        } and not _ignored(key):
            raise ScimError(
                400,
                f"Users have no attribute {key} that Tandem keeps; it keeps userName, name, "
                "displayName, emails, externalId, active and title.",
                "invalidValue",
            )
    user_name = as_text(data.get("username"), "userName").strip()
    if not user_name:
        raise ScimError(400, "userName is required: the person's sign-in name.", "invalidValue")
    email = _email_of(data["emails"]) if data.get("emails") else None
    if email is None:
        if "@" not in user_name:
            raise ScimError(
                400,
                f"userName {user_name!r} is not an e-mail address and no emails were given: "
                "Tandem needs the person's e-mail address.",
                "invalidValue",
            )
        email = user_name
    name = data.get("name") or {}
    if not isinstance(name, dict):
        raise ScimError(400, "name must be an object ({givenName, familyName}).", "invalidValue")
    values: dict[str, Any] = {
        "user_name": user_name,
        "email": email,
        "full_name": _full_name(lowered(name), as_text(data.get("displayname"), "displayName")),
        "external_id": as_text(data.get("externalid"), "externalId"),
    }
    if "active" in data:
        values["active"] = as_bool(data["active"], "active")
    if "title" in data:
        values["title"] = as_text(data["title"], "title")
    return values


def _operations(body: dict[str, Any]) -> list[dict[str, Any]]:
    if PATCH_SCHEMA not in (body.get("schemas") or []):
        raise ScimError(400, f"A PATCH body names the schema {PATCH_SCHEMA}.", "invalidSyntax")
    operations = body.get("Operations", body.get("operations"))
    if not isinstance(operations, list) or not operations:
        raise ScimError(400, "A PATCH body has a list of Operations.", "invalidSyntax")
    found = []
    for number, operation in enumerate(operations, start=1):
        if not isinstance(operation, dict):
            raise ScimError(400, f"Operation {number} is not an object.", "invalidSyntax")
        operation = lowered(operation)
        op = str(operation.get("op", "")).lower()
        if op not in ("add", "replace", "remove"):
            raise ScimError(
                400,
                f"Operation {number} has op {operation.get('op')!r}; use add, replace or remove.",
                "invalidSyntax",
            )
        found.append({**operation, "number": number, "op": op})
    return found


def _expand(operation: dict[str, Any]) -> list[tuple[Path, Any]]:
    """An operation as (path, value) pairs: one without a path sets each attribute of its
    value (``{"op": "replace", "value": {"active": false}}``)."""
    path = operation.get("path")
    value = operation.get("value")
    if path:
        return [(parse_path(str(path)), value)]
    if operation["op"] == "remove":
        raise ScimError(400, "A remove operation needs a path.", "noTarget")
    if not isinstance(value, dict):
        raise ScimError(
            400, "An operation without a path needs an object as its value.", "invalidValue"
        )
    pairs: list[tuple[Path, Any]] = []
    for key, item in value.items():
        target = parse_path(str(key))
        if target.attribute == "name" and isinstance(item, dict) and target.sub is None:
            pairs.extend((Path("name", sub=str(k).lower()), v) for k, v in item.items())
        else:
            pairs.append((target, item))
    return pairs


def _user_changes(person: selectors.Person, operations: list[dict[str, Any]]) -> dict[str, Any]:
    """What a PATCH's operations change, as ``scim_user_update`` arguments."""
    changes: dict[str, Any] = {}
    given, family = _split(person.user.full_name)
    name: dict[str, str] = {}
    for operation in operations:
        op = operation["op"]
        for path, value in _expand(operation):
            attribute = path.dotted if path.where is None else path.attribute
            if _ignored(path.attribute) or (
                path.attribute == "name" and path.sub in _IGNORED_NAME_PARTS
            ):
                continue
            if op == "remove" and attribute not in ("title", "externalid"):
                raise ScimError(
                    400,
                    f"{path.text or path.dotted} cannot be removed: a person in Tandem always "
                    "has it.",
                    "mutability",
                )
            if attribute == "active":
                changes["active"] = as_bool(value, "active")
            elif attribute == "username":
                changes["user_name"] = as_text(value, "userName")
            elif attribute == "displayname":
                name["displayname"] = as_text(value, "displayName")
            elif attribute == "name" and isinstance(value, dict):
                for key, part in lowered(value).items():
                    if key not in _IGNORED_NAME_PARTS:
                        name[key] = as_text(part, f"name.{key}")
            elif attribute in ("name.formatted", "name.givenname", "name.familyname"):
                name[attribute.split(".")[1]] = as_text(value, path.dotted)
            elif attribute == "title":
                changes["title"] = "" if op == "remove" else as_text(value, "title")
            elif attribute == "externalid":
                changes["external_id"] = "" if op == "remove" else as_text(value, "externalId")
            elif path.attribute == "emails":
                if path.where is not None and not matches(
                    path.where, {"type": "work", "primary": True}
                ):
                    continue  # Tandem keeps the work address only
                if path.sub == "value" or (
                    path.where is not None and path.sub is None and not isinstance(value, list)
                ):
                    if isinstance(value, dict):
                        value = lowered(value).get("value")
                    changes["email"] = as_text(value, "emails.value")
                elif path.sub is None:
                    email = _email_of(value)
                    if email:
                        changes["email"] = email
                elif path.sub in ("type", "primary", "display"):
                    continue
                else:
                    raise ScimError(400, f"emails have no {path.sub}.", "invalidPath")
            else:
                raise ScimError(
                    400,
                    f"Operation {operation['number']}: Users have no attribute "
                    f"{path.text or path.dotted} that Tandem keeps (it keeps userName, name, "
                    "displayName, emails, externalId, active and title).",
                    "invalidPath",
                )
    if name:
        if "formatted" in name:
            changes["full_name"] = name["formatted"]
        elif "givenname" in name or "familyname" in name:
            changes["full_name"] = (
                f"{name.get('givenname', given)} {name.get('familyname', family)}"
            ).strip()
        else:
            changes["full_name"] = name["displayname"]
        if not changes["full_name"].strip():
            raise ScimError(400, "A person's name cannot be empty.", "invalidValue")
    return changes


# -- Users -------------------------------------------------------------------------------


@endpoint("GET", "POST")
def users(request: HttpRequest, *, organization: Organization) -> HttpResponse:
    if request.method == "POST":
        values = _user_from(_body(request))
        user = services.scim_user_create(organization=organization, **values)
        person = selectors.person_get(organization, user.pk)
        response = _answer(201, user_resource(request, person))
        response["Location"] = _location(request, "Users", user.pk)
        return response
    found = selectors.people(organization)
    if request.GET.get("filter"):
        for comparison in parse_filter(request.GET["filter"]):
            found = found.filter(selectors.user_filter(organization, comparison))
    start, count = _page(request)
    total = found.count()
    page = list(found[start - 1 : start - 1 + count]) if count else []
    resources = [
        _shape(request, user_resource(request, p)) for p in selectors.people_of(organization, page)
    ]
    return _list(resources, total, start)


@endpoint("GET", "PUT", "PATCH", "DELETE")
def user(request: HttpRequest, pk: str, *, organization: Organization) -> HttpResponse:
    person = selectors.person_get(organization, pk)
    if request.method == "DELETE":
        services.scim_user_delete(organization=organization, user=person.user)
        return _answer(204)
    if request.method == "PUT":
        values = _user_from(_body(request))
        services.scim_user_update(organization=organization, user=person.user, **values)
    elif request.method == "PATCH":
        changes = _user_changes(person, _operations(_body(request)))
        services.scim_user_update(organization=organization, user=person.user, **changes)
    if request.method != "GET":
        person.user.refresh_from_db()
        person = selectors.person_get(organization, pk)
    return _answer(200, _shape(request, user_resource(request, person)))


# -- Groups ------------------------------------------------------------------------------


def _member_ids(value: Any, number: int | str = "") -> list[int]:
    where = f"Operation {number}: " if number else ""
    if value is None:
        return []
    if isinstance(value, dict):
        value = [value]
    if not isinstance(value, list):
        raise ScimError(400, f"{where}members must be a list of {{value}}.", "invalidValue")
    ids = []
    for item in value:
        raw = lowered(item).get("value") if isinstance(item, dict) else item
        try:
            ids.append(int(str(raw)))
        except ValueError:
            raise ScimError(
                400,
                f"{where}members: {raw!r} is not the id of a User of this organisation.",
                "invalidValue",
            ) from None
    return ids


def _group_from(body: dict[str, Any]) -> dict[str, Any]:
    data = lowered(body)
    name = as_text(data.get("displayname"), "displayName").strip()
    if not name:
        raise ScimError(400, "displayName is required: the team's name.", "invalidValue")
    values: dict[str, Any] = {
        "name": name,
        "external_id": as_text(data.get("externalid"), "externalId"),
    }
    if "members" in data:
        values["members"] = _member_ids(data["members"])
    return values


def _group_changes(group: selectors.Group, operations: list[dict[str, Any]]) -> dict[str, Any]:
    changes: dict[str, Any] = {}
    members = {u.pk for u in group.members}
    touched = False
    for operation in operations:
        op, number = operation["op"], operation["number"]
        for path, value in _expand(operation):
            if path.attribute == "displayname" and path.where is None:
                if op == "remove":
                    raise ScimError(400, "A team's displayName cannot be removed.", "mutability")
                changes["name"] = as_text(value, "displayName")
            elif path.attribute == "externalid":
                changes["external_id"] = "" if op == "remove" else as_text(value, "externalId")
            elif path.attribute == "members":
                touched = True
                if path.where is not None:
                    if op != "remove" or path.where.attribute != "value" or path.where.op != "eq":
                        raise ScimError(
                            400,
                            f"Operation {number}: members[…] is understood only as "
                            'remove members[value eq "id"].',
                            "invalidPath",
                        )
                    members -= set(_member_ids([path.where.value], number))
                elif op == "add":
                    members |= set(_member_ids(value, number))
                elif op == "remove":
                    members = members - set(_member_ids(value, number)) if value else set()
                else:
                    members = set(_member_ids(value, number))
            elif path.attribute in ("id", "schemas", "meta"):
                continue
            else:
                raise ScimError(
                    400,
                    f"Operation {number}: Groups have no attribute {path.text or path.dotted} "
                    "that Tandem "
                    "keeps (it keeps displayName, externalId and members).",
                    "invalidPath",
                )
    if touched:
        changes["members"] = sorted(members)
    return changes


@endpoint("GET", "POST")
def groups(request: HttpRequest, *, organization: Organization) -> HttpResponse:
    if request.method == "POST":
        values = _group_from(_body(request))
        team = services.scim_group_create(
            organization=organization,
            name=values["name"],
            external_id=values["external_id"],
            member_ids=values.get("members", []),
        )
        group = selectors.group_get(organization, team.pk)
        response = _answer(201, group_resource(request, group))
        response["Location"] = _location(request, "Groups", team.pk)
        return response
    found = selectors.teams(organization)
    if request.GET.get("filter"):
        for comparison in parse_filter(request.GET["filter"]):
            found = found.filter(selectors.group_filter(organization, comparison))
    start, count = _page(request)
    total = found.count()
    page = list(found[start - 1 : start - 1 + count]) if count else []
    excluded = request.GET.get("excludedAttributes", "").lower()
    with_members = "members" not in {item.strip() for item in excluded.split(",")}
    resources = [
        _shape(request, group_resource(request, g))
        for g in selectors.groups_of(organization, page, members=with_members)
    ]
    return _list(resources, total, start)


@endpoint("GET", "PUT", "PATCH", "DELETE")
def group(request: HttpRequest, pk: str, *, organization: Organization) -> HttpResponse:
    found = selectors.group_get(organization, pk)
    if request.method == "DELETE":
        try:
            services.scim_group_delete(team=found.team)
        except ValidationError as exc:
            raise ScimError(409, _sentence(exc)) from None
        return _answer(204)
    if request.method == "PUT":
        services.scim_group_update(team=found.team, **_group_from(_body(request)))
    elif request.method == "PATCH":
        changes = _group_changes(found, _operations(_body(request)))
        services.scim_group_update(team=found.team, **changes)
    if request.method != "GET":
        found = selectors.group_get(organization, pk)
    return _answer(200, _shape(request, group_resource(request, found)))


# -- discovery ---------------------------------------------------------------------------

DOCS = "https://tandem.invalid/docs/api#provisioning-scim"


@endpoint("GET", public=True)
def service_provider_config(request: HttpRequest) -> HttpResponse:
    return _answer(
        200,
        {
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"],
            "documentationUri": DOCS,
            "patch": {"supported": True},
            "bulk": {"supported": False, "maxOperations": 0, "maxPayloadSize": 0},
            "filter": {"supported": True, "maxResults": MAX_COUNT},
            "changePassword": {"supported": False},
            "sort": {"supported": False},
            "etag": {"supported": False},
            "authenticationSchemes": [
                {
                    "type": "oauthbearertoken",
                    "name": "SCIM token",
                    "description": "Authorization: Bearer scim_…, made by an admin under "
                    "Settings, Provisioning.",
                    "documentationUri": DOCS,
                    "primary": True,
                }
            ],
            "meta": {
                "resourceType": "ServiceProviderConfig",
                "location": request.build_absolute_uri("/scim/v2/ServiceProviderConfig"),
            },
        },
    )


def _resource_type(request: HttpRequest, name: str) -> dict[str, Any]:
    schema = USER_SCHEMA if name == "User" else GROUP_SCHEMA
    return {
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:ResourceType"],
        "id": name,
        "name": name,
        "endpoint": f"/{name}s",
        "description": "A person of the organisation" if name == "User" else "A team",
        "schema": schema,
        "meta": {
            "resourceType": "ResourceType",
            "location": request.build_absolute_uri(f"/scim/v2/ResourceTypes/{name}"),
        },
    }


@endpoint("GET", public=True)
def resource_types(request: HttpRequest, name: str = "") -> HttpResponse:
    if name:
        if name not in ("User", "Group"):
            raise ScimError(404, f"There is no resource type {name!r}: there are User and Group.")
        return _answer(200, _resource_type(request, name))
    found = [_resource_type(request, "User"), _resource_type(request, "Group")]
    return _list(found, len(found), 1)


def _attribute(
    name: str,
    kind: str = "string",
    *,
    multi: bool = False,
    required: bool = False,
    case_exact: bool = False,
    mutability: str = "readWrite",
    uniqueness: str = "none",
    sub: list[dict[str, Any]] | None = None,
    description: str = "",
) -> dict[str, Any]:
    attribute: dict[str, Any] = {
        "name": name,
        "type": kind,
        "multiValued": multi,
        "description": description,
        "required": required,
        "caseExact": case_exact,
        "mutability": mutability,
        "returned": "default",
        "uniqueness": uniqueness,
    }
    if sub is not None:
        attribute["subAttributes"] = sub
    return attribute


def _schemas(request: HttpRequest) -> list[dict[str, Any]]:
    user: dict[str, Any] = {
        "id": USER_SCHEMA,
        "name": "User",
        "description": "A person of the organisation: their membership and account.",
        "attributes": [
            _attribute(
                "userName",
                required=True,
                uniqueness="server",
                description="The provider's sign-in name; an e-mail address without emails.",
            ),
            _attribute(
                "name",
                "complex",
                sub=[
                    _attribute("formatted"),
                    _attribute("givenName"),
                    _attribute("familyName"),
                ],
            ),
            _attribute("displayName"),
            _attribute("title", description="The job title shown on Tandem's pages."),
            _attribute(
                "active",
                "boolean",
                description="false ends the membership, sessions and API tokens.",
            ),
            _attribute(
                "emails",
                "complex",
                multi=True,
                sub=[
                    _attribute("value"),
                    _attribute("type"),
                    _attribute("primary", "boolean"),
                ],
            ),
            _attribute(
                "groups",
                "complex",
                multi=True,
                mutability="readOnly",
                sub=[
                    _attribute("value", mutability="readOnly"),
                    _attribute("display", mutability="readOnly"),
                ],
            ),
        ],
    }
    group: dict[str, Any] = {
        "id": GROUP_SCHEMA,
        "name": "Group",
        "description": "A team of the organisation.",
        "attributes": [
            _attribute("displayName", required=True, uniqueness="server"),
            _attribute(
                "members",
                "complex",
                multi=True,
                sub=[
                    _attribute("value", mutability="immutable"),
                    _attribute("display", mutability="readOnly"),
                ],
            ),
        ],
    }
    for schema in (user, group):
        schema["meta"] = {
            "resourceType": "Schema",
            "location": request.build_absolute_uri(f"/scim/v2/Schemas/{schema['id']}"),
        }
    return [user, group]


@endpoint("GET", public=True)
def schemas(request: HttpRequest, urn: str = "") -> HttpResponse:
    found = _schemas(request)
    if urn:
        for schema in found:
            if schema["id"] == urn:
                return _answer(200, schema)
        raise ScimError(
            404, f"There is no schema {urn!r}: there are {USER_SCHEMA} and {GROUP_SCHEMA}."
        )
    return _list(found, len(found), 1)


@csrf_exempt
def unknown(request: HttpRequest, rest: str = "") -> HttpResponse:
    return _error(
        ScimError(
            404,
            f"There is no SCIM endpoint /scim/v2/{rest}: Tandem serves Users, Groups, "
            "ServiceProviderConfig, ResourceTypes and Schemas (no Bulk, no Me).",
        )
    )
