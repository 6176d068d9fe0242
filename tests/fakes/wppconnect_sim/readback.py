"""Read-back queries over a session's chats, as WhatsApp Web answers them.

- `get_messages`: `wa-js` `src/chat/functions/getMessages.ts` (through `wppconnect`
  `WAPI.getMessages`): without `id` the anchor is the chat's last message
  (`lastReceivedKey`) and the answer is the `count - 1` messages before it plus it, oldest
  first; with `id`, `count` messages on the `direction` side of it (`before` unless
  `after`), the anchor itself excluded; `count` 0/absent = 20, -1 = all.
- `list_chats`: `WPP.chat.list` (newest chat first, `id`/`count`/`direction` paging,
  `onlyUsers`, `onlyGroups`, `onlyWithUnreadMessage`, `withLabels`).
- `unread_messages`: `wppconnect` `get-all-unread-messages.js`: for every chat with unread
  messages, `getMessages(chat, {count: unreadCount})`.
"""

from __future__ import annotations

import math

from .model import Account, Chat, Message


class ChatNotFound(LookupError):
    """assertGetChat's `chat_not_found`."""


def chat_id_of(value: str) -> str:
    """`Wid` creation of WhatsApp Web: a bare number is a user (`@c.us`)."""
    return value if "@" in value else f"{value}@c.us"


def get_messages(
    account: Account, chat_id: str, *, count: float, direction: str, anchor_id: str | None
) -> list[Message]:
    chat = account.chats.get(chat_id_of(chat_id))
    if chat is None:
        raise ChatNotFound(chat_id)
    if not count or math.isnan(count):
        count = 20
    if count < 0:
        count = math.inf  # -1 with multi-device: everything
    after = direction == "after"
    messages = chat.messages
    if anchor_id:
        index = chat.positions.get(anchor_id)
        if index is None:
            return []
        if after:
            return messages[index + 1 : _stop(index + 1, count)]
        return messages[_start(index, count) : index]
    if not messages:
        return []
    last = len(messages) - 1  # lastReceivedKey
    count -= 1
    found = [] if after else messages[_start(last, count) : last]
    return [*found, messages[last]]


def _start(index: int, count: float) -> int:
    return 0 if math.isinf(count) else max(0, index - int(count))


def _stop(index: int, count: float) -> int | None:
    return None if math.isinf(count) else index + int(count)


def list_chats(
    account: Account,
    *,
    anchor_id: str | None = None,
    count: int | None = None,
    direction: str | None = None,
    only_users: bool = False,
    only_groups: bool = False,
    only_unread: bool = False,
    with_labels: list[str] | None = None,
) -> list[Chat]:
    chats = sorted(account.chats.values(), key=lambda c: c.t, reverse=True)
    if only_users:
        chats = [c for c in chats if c.id.endswith("@c.us")]
    if only_groups:
        chats = [c for c in chats if c.id.endswith("@g.us")]
    if only_unread:
        chats = [c for c in chats if c.unread_count > 0]
    if with_labels:
        chats = []  # the simulator's chats carry no labels
    if anchor_id:
        ids = [c.id for c in chats]
        if chat_id_of(anchor_id) not in ids:
            return []
        index = ids.index(chat_id_of(anchor_id))
        if direction == "before":
            start = 0 if count is None else max(0, index - count)
            return chats[start:index]
        return chats[index + 1 : None if count is None else index + 1 + count]
    return chats if count is None else chats[:count]


def unread_messages(account: Account) -> list[Message]:
    out: list[Message] = []
    for chat in account.chats.values():
        if chat.unread_count > 0:
            out.extend(
                get_messages(
                    account, chat.id, count=chat.unread_count, direction="before", anchor_id=None
                )
            )
    return out
