"""Shapes of API.md § Households (version 2), and the additions documented in the schema."""

from rest_framework import serializers

from households.choices import Role
from households.models import HOUSEHOLD_NAME_MAX_LENGTH, Invite, Membership

ROLE_HELP = "OWNER (everything, members and invites included), EDITOR (reads and writes records) or VIEWER (reads)."


class MemberSerializer(serializers.ModelSerializer):
    user_id = serializers.IntegerField(read_only=True, help_text="The user's id (an integer, as in /api/auth/me).")
    username = serializers.CharField(source="user.username", read_only=True)
    role = serializers.ChoiceField(choices=Role.choices, read_only=True)

    class Meta:
        model = Membership
        fields = ["user_id", "username", "role", "joined_at"]
        read_only_fields = fields


class HouseholdSerializer(serializers.Serializer):
    id = serializers.UUIDField(read_only=True)
    name = serializers.CharField(read_only=True)
    my_role = serializers.ChoiceField(choices=Role.choices, read_only=True, help_text="The caller's role.")
    members = MemberSerializer(many=True, read_only=True, help_text="Every member, in joining order.")

    @classmethod
    def represent(cls, household, *, my_role: str, **extra) -> dict:
        """The answer for `household` (from selectors.household_get)."""
        data = {"id": household.id, "name": household.name, "my_role": my_role}
        data["members"] = household.members_in_order
        return cls({**data, **extra}).data


class HouseholdJoinedSerializer(HouseholdSerializer):
    moved = serializers.DictField(
        read_only=True,
        help_text="Addition to API.md: what moved with `bring_data`, by kind of record, e.g. "
        '`{"purchases": 12, "warranties": 4, "attachments": 3, "duplicates": [...]}` (the counts each app reports; '
        "`{}` without `bring_data`).",
    )


class HouseholdUpdateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=HOUSEHOLD_NAME_MAX_LENGTH, trim_whitespace=True, required=False)


class InviteCreateSerializer(serializers.Serializer):
    role = serializers.ChoiceField(choices=Role.choices, help_text=f"The role the invited user gets. {ROLE_HELP}")


class InviteCreatedSerializer(serializers.Serializer):
    code = serializers.CharField(
        read_only=True,
        help_text="The invite code, shown in this answer only (only its hash is stored). It works once, for "
        "HOUSEHOLD_INVITE_DAYS (7) days. Its first 8 characters are its public prefix.",
    )
    role = serializers.ChoiceField(choices=Role.choices, read_only=True)
    expires_at = serializers.DateTimeField(read_only=True)


class InviteSerializer(serializers.ModelSerializer):
    code = serializers.SerializerMethodField(
        help_text='Addition to API.md: the code MASKED, its public prefix followed by "…" (the full code is shown '
        "only when the invite is created)."
    )
    prefix = serializers.CharField(
        read_only=True,
        help_text="Addition to API.md: the code's public prefix; DELETE /api/household/invites/{code} accepts it "
        "in place of the full code.",
    )

    class Meta:
        model = Invite
        fields = ["code", "prefix", "role", "expires_at", "created_at"]
        read_only_fields = fields

    def get_code(self, invite) -> str:
        return f"{invite.prefix}…"


class JoinSerializer(serializers.Serializer):
    code = serializers.CharField(max_length=200, trim_whitespace=True, help_text="The invite code.")
    bring_data = serializers.BooleanField(
        default=False,
        help_text="Move your records with you (all or nothing): all of your old household's records when you are "
        "its last member, otherwise the records you created. Default false (documented choice: records never move "
        "unless asked); without it they stay in the old household, which is deleted once it has no member and no "
        "record.",
    )


class MemberRoleSerializer(serializers.Serializer):
    role = serializers.ChoiceField(choices=Role.choices, help_text=ROLE_HELP)
