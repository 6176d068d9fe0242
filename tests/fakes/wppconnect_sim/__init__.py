"""A WPPConnect Server simulator: a strict test fake of `wppconnect-team/wppconnect-server`
v2.10.4 and the WhatsApp Web pages it drives, written from ../shared/WPPCONNECT_FACTS.md and
the public source. Behaviour copied (not code) from, in wppconnect-server:

- `src/routes/index.ts` (routes and which middlewares guard them),
- `src/middleware/auth.ts` (verifyToken), `src/middleware/statusConnection.ts`,
- `src/controller/encryptController.ts` (generate-token), `sessionController.ts`
  (start/status/qrcode/check-connection/close/logout, download-media, get-media-by-message),
  `messageController.ts` (send-message, send-file*, send-voice*), `deviceController.ts`
  (list-chats, all-chats*, all-unread-messages, get-messages, send-seen, message-by-id,
  get-phone-number),
- `src/util/createSessionUtil.ts` (session creation, exportQR, exportPhoneCode, statusFind,
  listeners), `src/util/functions.ts` (contactToArray, callWebHook, autoDownload),
- `src/util/tokenStore/fileTokenStory.ts` (the start-session body kept with the token),
- `src/config.ts` (readMessage, autoDownload, onSelfMessage, listenAcks, ignore...);

in `wppconnect-team/wppconnect`: `src/api/layers/host.layer.ts` (QR flow, autoClose),
`src/api/whatsapp.ts` (`desconnectedMobile` when the phone unlinks), `sender.layer.ts`
(sendText waits for the ack, sendFile answers `{ack, id, sendMsgResult}`),
`src/api/model/enum/status-find.ts`, `src/api/model/ack.ts`, `src/lib/wapi/serializers/*`,
`src/lib/wapi/functions/get-all-unread-messages.js`, `get-messages.js`,
`get-message-by-id.js`; in `wppconnect-team/wa-js`: `src/chat/functions/getMessages.ts`,
`markIsRead.ts`, `sendRawMessage.ts` and `defaultSendMessageOptions.ts` (every send marks
the chat read first unless `options.markIsRead` is false).

What it does not have: a browser, real QR codes (the PNG only looks like one), real
encryption, groups' participants, reactions, presence, Socket.IO, S3 upload.

    from tests.fakes.wppconnect_sim import WppConnectSim

    async with WppConnectSim(server_webhook="http://127.0.0.1:8080/webhooks/wppconnect") as sim:
        ...                                         # sim.url, sim.token_for("office")
    with WppConnectSim.start_in_thread() as sim:    # sync tests: own loop in a thread
        ...
"""

from .config import DEFAULT_SECRET_KEY, SimConfig
from .gateway import STATUS_AUTOCLOSE, STATUS_UNLINKED, SeenCall, SentMessage
from .media import MediaFile, parse_data_url, qr_png
from .simulator import DEFAULT_BUSINESS_PHONE, WppConnectSim
from .webhooks import WebhookPost

__all__ = [
    "DEFAULT_BUSINESS_PHONE",
    "DEFAULT_SECRET_KEY",
    "STATUS_AUTOCLOSE",
    "STATUS_UNLINKED",
    "MediaFile",
    "SeenCall",
    "SentMessage",
    "SimConfig",
    "WebhookPost",
    "WppConnectSim",
    "parse_data_url",
    "qr_png",
]
