# Staff accounts: second factor, password change, account life cycle.

## The second step of the login
totp-enrol-title = Activer la double authentification
totp-enrol-lead = Chaque compte d'agent est protégé par un second facteur : un code à 6 chiffres qui change toutes les 30 secondes, donné par une application d'authentification sur votre téléphone de service. Activez-le une fois, maintenant.
totp-enrol-step-app = Ouvrez votre application d'authentification (FreeOTP, Aegis, Google Authenticator, Microsoft Authenticator…).
totp-enrol-step-scan = Ajoutez un compte en scannant ce code QR :
totp-qr-label = Code QR de la clé secrète à ajouter à l'application d'authentification ; la même clé est écrite en toutes lettres juste en dessous.
totp-enrol-secret-label = Ou saisissez cette clé à la main (type « basé sur le temps ») :
totp-enrol-step-code = Saisissez ci-dessous le code à 6 chiffres que l'application affiche pour Vigie.
totp-code-title = Code de double authentification
totp-code-lead = Saisissez le code à 6 chiffres que votre application d'authentification affiche pour Vigie.
totp-code-label = Code à 6 chiffres
totp-code-hint = Le code change toutes les 30 secondes ; chaque code ne sert qu'une fois.
totp-code-button = Valider le code
totp-code-refused = Code incorrect ou déjà utilisé. Attendez le code suivant et réessayez.
totp-start-again = Recommencer la connexion

## My account
nav-my-account = Mon compte
account-title = Mon compte
col-second-factor = Double authentification
col-sessions = Sessions ouvertes
second-factor-enrolled = activée
second-factor-pending = en cours d'activation
second-factor-none = à activer à la prochaine connexion
account-password-heading = Changer de mot de passe
account-password-lead = Vos autres sessions (autres navigateurs, autres appareils) seront fermées ; celle-ci reste ouverte.
account-current-password = Mot de passe actuel
account-new-password = Nouveau mot de passe
account-password-policy = De 12 à 256 caractères, pas un seul caractère répété. Une phrase de plusieurs mots est plus facile à retenir.
account-repeat-password = Nouveau mot de passe, une seconde fois
account-password-button = Changer le mot de passe
account-password-changed = Mot de passe changé. Vos autres sessions ont été fermées.
field-error-password-mismatch = Les deux saisies du nouveau mot de passe diffèrent.

## The admin's list of accounts
col-account-state = État du compte
account-state-active = actif
account-state-locked = verrouillé (trop d'échecs)
account-state-disabled = désactivé
accounts-you = vous
accounts-disable = Désactiver
accounts-enable = Réactiver
accounts-revoke-sessions = Fermer les sessions
accounts-reset-totp = Réinitialiser la double authentification
accounts-done-disable = Compte désactivé : ses sessions sont fermées et il ne peut plus se connecter.
accounts-done-enable = Compte réactivé.
accounts-done-revoke-sessions = Sessions fermées.
accounts-done-reset-totp = Double authentification réinitialisée : le compte en activera une nouvelle à sa prochaine connexion ; ses sessions sont fermées.

## Errors
error-totp-required = Le code de double authentification est requis.
error-login-expired = La connexion a expiré. Recommencez avec votre identifiant et votre mot de passe.
error-current-password-wrong = Le mot de passe actuel est incorrect.
error-password-too-short = Le mot de passe doit compter au moins 12 caractères.
error-password-too-long = Le mot de passe doit compter au plus 256 caractères.
error-password-too-weak = Le mot de passe ne peut pas être un seul caractère répété.
error-cannot-disable-self = Vous ne pouvez pas désactiver votre propre compte.
