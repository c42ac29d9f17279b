# Officer comfort (issue 6): canned replies, keyboard shortcuts, "typing…" and "seen".

## Canned replies: administration page
nav-canned = Canned replies
canned-title = Canned replies
canned-lead = Ready-made texts officers insert into their answer, then read over and complete before sending it. One list per language: the officer sees the one in the witness's language. They are not case data: put nothing confidential in them.
canned-create-title = Add a canned reply
canned-create-legend = New canned reply
canned-create-button = Add the canned reply
canned-edit-title = Change a canned reply
canned-edit-legend = Canned reply
canned-save-button = Save
canned-back = Back to the canned replies
canned-field-locale = Language
canned-field-title = Title
canned-field-title-hint = What the officer sees in their list: one line, at most 80 characters.
canned-field-body = Text inserted into the answer
canned-field-body-hint = At most 4,000 characters. The officer can change it before sending.
canned-field-position = Position in the list
canned-field-position-hint = A number from 0 to 999, smallest first. The first nine replies can also be inserted with Alt+1 to Alt+9.
canned-locale-fr = French
canned-locale-en = English
canned-list-fr = Replies in French
canned-list-en = Replies in English
canned-list-empty = No canned reply in this language.
canned-col-position = Position
canned-col-title = Title
canned-col-body = Text
canned-col-actions = Actions
canned-edit = Change
canned-delete = Delete
canned-created = Canned reply “{ $title }” added.
canned-saved = Canned reply “{ $title }” saved.
canned-deleted = Canned reply deleted.
canned-error-locale = Choose French or English.
canned-error-title-empty = Enter a title.
canned-error-title-too-long = The title is too long (at most 80 characters).
canned-error-title-invalid = The title must fit on one line, without control characters.
canned-error-body-empty = Enter the text of the reply.
canned-error-body-too-long = The text is too long (at most 4,000 characters).
canned-error-body-invalid = The text contains characters that are not allowed.
canned-error-position = Enter a whole number from 0 to 999.

## Canned replies: conversation page
comfort-canned-title = Canned replies
comfort-canned-hint = Choosing a reply inserts it into your message without sending it: read it over, complete it, then send.
comfort-canned-empty = No canned reply in this witness's language.
comfort-canned-unavailable = The canned replies could not be loaded.
comfort-canned-inserted = Canned reply inserted into your message:

## Keyboard shortcuts
comfort-shortcuts-title = Keyboard shortcuts
comfort-shortcuts-hint = They use no screen reader key, and every action also has its button or field.
comfort-kbd-enter = Enter
comfort-kbd-escape = Esc
comfort-key-take-next = take the next conversation (the “Take next” button)
comfort-key-reply = go to the reply box
comfort-key-send = send the message (Enter alone too; Shift+Enter starts a new line)
comfort-key-canned = insert canned reply 1 to 9 into the message, without sending it
comfort-key-canned-list = go to the list of canned replies (up and down arrows to move in it)
comfort-key-escape = leave the list of canned replies and go back to the message

## "Typing…" and "seen" indicators
comfort-witness-typing = The witness is typing…
comfort-officer-typing = The officer is typing…
comfort-seen = Seen
comfort-seen-by-witness = by the witness
comfort-seen-by-officer = by the officer
