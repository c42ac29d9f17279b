# Service 24 h/24 : présence des agents, tableau de bord du chef de salle, file d'attente vue par le témoin.

## Statut de service
duty-title = Mon statut
duty-label = Statut de service
duty-on_shift = En service
duty-draining = Fin de service (je termine mes conversations)
duty-on_break = En pause
duty-off_duty = Hors service
duty-save = Changer de statut
duty-saved = Statut enregistré : { $duty }.
duty-hint = En service, vous recevez de nouvelles conversations. En fin de service ou en pause, vous terminez celles que vous avez, sans en recevoir d'autres.
error-duty-invalid = Ce statut de service n'existe pas.

## Tableau de bord
board-title = Tableau de bord de la salle
board-nav = Tableau de bord
board-lead = Vue en direct de la file et des agents. Mise à jour automatique.
board-queue-depth = Conversations en attente
board-longest-wait = Attente la plus longue
board-target = Objectif de première réponse
board-on-duty = Agents en service et connectés
board-free-slots = Places libres
board-officers = Agents
board-col-officer = Agent
board-col-role = Rôle
board-col-duty = Statut
board-col-liveness = Connexion
board-col-load = Conversations / capacité
board-col-capacity = Changer la capacité
board-alive = Connecté (vu il y a { $seconds } s)
board-stale = Déconnecté depuis { $duration }
board-never = Jamais connecté
board-at-risk = Conversations en attente au-delà de l'objectif
board-at-risk-none = Aucune conversation n'attend au-delà de l'objectif.
board-col-waiting = En attente depuis
board-col-priority = Priorité
board-col-conversation = Conversation
board-capacity-save = Enregistrer
board-capacity-label = Capacité de { $officer }
board-capacity-saved = Capacité enregistrée.
board-updated = Mis à jour à { $time }.
error-capacity-invalid = La capacité doit être comprise entre 1 et 10 conversations.
priority-0 = Normale
priority-1 = Élevée
priority-2 = Armes ou violences
priority-3 = Danger imminent

## Ce que le témoin voit en attendant
queue-position-next = Vous êtes la prochaine personne dans la file d'attente.
queue-position = Vous êtes en position { $n } dans la file d'attente.
queue-estimate = Attente estimée : environ { $n } min.
queue-no-officer = Aucun agent n'est disponible en ce moment. Vous pouvez écrire dès maintenant tout ce que vous avez vu : vos messages sont gardés, et un agent les lira. Revenez plus tard avec votre code de reçu pour lire sa réponse.
queue-long = L'attente est longue. Vous pouvez écrire dès maintenant ce que vous avez vu, puis revenir plus tard avec votre code de reçu.
board-duration = { $minutes } min { $seconds } s
board-seconds = { $seconds } s
board-none = —

## Propositions de conversation (console)
offer-title = Conversation proposée
offer-text = Conversation { $conversation } · { $priority } · à accepter dans { $seconds } s
offer-accept = Accepter
offer-decline = Refuser
offer-gone = Cette proposition n'est plus valable.
offer-notification-title = Vigie : nouvelle conversation proposée
offer-notification-body = Un témoin attend. Acceptez dans les 30 secondes.
notify-enable = Activer le son et les notifications
notify-enabled = Son et notifications activés.
notify-denied = Les notifications sont bloquées par le navigateur ; le son reste actif.

## Transfert à chaud
handover-title = Transférer la conversation
handover-hint = Le témoin voit seulement que la conversation continue. La note est obligatoire : elle dit à qui reprend ce qui a été dit et ce qui reste à faire.
handover-to-label = À qui
handover-to-queue = Remettre dans la file d'attente
handover-note-label = Note de transfert
handover-button = Transférer
handover-none = Aucun collègue en service et connecté n'a de place libre : vous pouvez remettre la conversation dans la file.
handover-received-title = Conversations reçues en transfert
handover-received = { $from } vous a transféré la conversation { $conversation } : « { $note } »
handover-ack = J'ai lu la note
error-handover-note-required = Écrivez une note de transfert.
error-handover-receiver = Ce collègue n'est pas en service, pas connecté ou n'a plus de place libre.
error-handover-same-officer = Vous tenez déjà cette conversation.
error-handover-unknown-receiver = Ce collègue ne peut pas recevoir de conversation.
error-handover-not-held = Plus personne ne tient cette conversation.
error-offer-gone = Cette proposition n'est plus valable.

board-load-offered = { $held } / { $capacity } (+ { $offered } proposée(s))
board-alerts = Alertes des deux dernières heures
board-alerts-none = Aucune alerte.
board-col-alert = Alerte
board-col-ago = Il y a
alert-first_reply_timeout = Pas de première réponse à temps : remise dans la file
alert-officer_lost = Agent déconnecté : conversations remises dans la file
alert-officer_away = Agent parti en pause ou hors service avec des conversations
alert-long_wait = Attente au-delà de l'objectif

## Urgence déclarée au début de la conversation
urgency-legend = Est-ce urgent ?
urgency-hint = Si quelqu'un est en danger en ce moment, appelez le 17 ou le 112. Sinon, votre réponse aide à vous répondre plus vite.
urgency-normal = Pas d'urgence particulière
urgency-weapons = Il y a des armes ou des violences
urgency-danger = Quelqu'un est en danger immédiat
error-priority-invalid = Ce niveau d'urgence n'existe pas.
error-handover-blocked = Une conversation bloquée reste à son agent jusqu'à sa clôture : elle ne peut pas retourner dans la file.
