from pydantic import BaseModel


class PrivacyConfig(BaseModel):
    scrub: bool = True
    min_conversations: int = 10  # k: every reported item is backed by at least k conversations
    min_users: int = 5  # u: ... and at least u distinct users when user ids are known
