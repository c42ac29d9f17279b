# 24/7 operations: officer presence, the shift lead's board, the queue as the witness sees it.

## Duty status
duty-title = My status
duty-label = Duty status
duty-on_shift = On shift
duty-draining = End of shift (finishing my conversations)
duty-on_break = On break
duty-off_duty = Off duty
duty-save = Change status
duty-saved = Status saved: { $duty }.
duty-hint = On shift, you receive new conversations. At the end of your shift or on a break, you finish the ones you have and receive no new ones.
error-duty-invalid = This duty status does not exist.

## Board
board-title = Operations board
board-nav = Board
board-lead = Live view of the queue and the officers. Updates automatically.
board-queue-depth = Conversations waiting
board-longest-wait = Longest wait
board-target = First-reply target
board-on-duty = Officers on shift and connected
board-free-slots = Free slots
board-officers = Officers
board-col-officer = Officer
board-col-role = Role
board-col-duty = Status
board-col-liveness = Connection
board-col-load = Conversations / capacity
board-col-capacity = Change capacity
board-alive = Connected (seen { $seconds } s ago)
board-stale = Disconnected for { $duration }
board-never = Never connected
board-at-risk = Conversations waiting beyond the target
board-at-risk-none = No conversation is waiting beyond the target.
board-col-waiting = Waiting since
board-col-priority = Priority
board-col-conversation = Conversation
board-capacity-save = Save
board-capacity-label = Capacity of { $officer }
board-capacity-saved = Capacity saved.
board-updated = Updated at { $time }.
error-capacity-invalid = Capacity must be between 1 and 10 conversations.
priority-0 = Normal
priority-1 = Raised
priority-2 = Weapons or violence
priority-3 = Imminent danger

## What the witness sees while waiting
queue-position-next = You are next in the queue.
queue-position = You are number { $n } in the queue.
queue-estimate = Estimated wait: about { $n } min.
queue-no-officer = No officer is available right now. You can write everything you saw now: your messages are kept and an officer will read them. Come back later with your receipt code to read the reply.
queue-long = The wait is long. You can write what you saw now, then come back later with your receipt code.
board-duration = { $minutes } min { $seconds } s
board-seconds = { $seconds } s
board-none = —

## Conversation offers (console)
offer-title = Conversation offered
offer-text = Conversation { $conversation } · { $priority } · accept within { $seconds } s
offer-accept = Accept
offer-decline = Decline
offer-gone = This offer is no longer valid.
offer-notification-title = Vigie: new conversation offered
offer-notification-body = A witness is waiting. Accept within 30 seconds.
notify-enable = Turn on sound and notifications
notify-enabled = Sound and notifications on.
notify-denied = Notifications are blocked by the browser; sound stays on.

## Warm handover
handover-title = Hand over the conversation
handover-hint = The witness only sees that the conversation goes on. The note is required: it tells whoever takes over what was said and what is left to do.
handover-to-label = To whom
handover-to-queue = Back to the queue
handover-note-label = Handover note
handover-button = Hand over
handover-none = No colleague on shift and connected has a free place: you can put the conversation back in the queue.
handover-received-title = Conversations handed over to you
handover-received = { $from } handed over conversation { $conversation } to you: “{ $note }”
handover-ack = I have read the note
error-handover-note-required = Write a handover note.
error-handover-receiver = This colleague is not on shift, not connected or has no free place left.
error-handover-same-officer = You already hold this conversation.
error-handover-unknown-receiver = This colleague cannot receive conversations.
error-handover-not-held = Nobody holds this conversation any more.
error-offer-gone = This offer is no longer valid.

board-load-offered = { $held } / { $capacity } (+ { $offered } offered)
board-alerts = Alerts of the last two hours
board-alerts-none = No alert.
board-col-alert = Alert
board-col-ago = Ago
alert-first_reply_timeout = No first reply in time: back to the queue
alert-officer_lost = Officer disconnected: conversations back to the queue
alert-officer_away = Officer went on break or off duty holding conversations
alert-long_wait = Wait beyond the target

## Urgency declared at the start of the conversation
urgency-legend = Is it urgent?
urgency-hint = If someone is in danger right now, call 17 or 112. Otherwise, your answer helps us reply sooner.
urgency-normal = Nothing urgent
urgency-weapons = There are weapons or violence
urgency-danger = Someone is in immediate danger
error-priority-invalid = This urgency level does not exist.
error-handover-blocked = A blocked conversation stays with its officer until it is closed: it cannot go back to the queue.
