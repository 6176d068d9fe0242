<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="it" sourcelanguage="en">
<context>
    <name></name>
    <message>
        <source>No server profile named %1 is configured on this computer.</source>
        <translation>Su questo computer non c&apos;è nessun profilo server chiamato %1.</translation>
    </message>
    <message>
        <source>Sign in to %1 to continue.</source>
        <translation>Accedi a %1 per continuare.</translation>
    </message>
    <message>
        <source>Starting the local server…</source>
        <translation>Avvio del server locale…</translation>
    </message>
    <message>
        <source>Port %1 is already used by another program. Close that program or choose another port below.</source>
        <translation>La porta %1 è già usata da un altro programma. Chiudi quel programma oppure scegli un&apos;altra porta qui sotto.</translation>
    </message>
    <message>
        <source>SPORTELLO_URL is set but SPORTELLO_TOKEN is not: both are needed.</source>
        <translation>SPORTELLO_URL è impostata ma SPORTELLO_TOKEN no: servono entrambe.</translation>
    </message>
    <message>
        <source>The local server could not start. Its log says why: %1</source>
        <translation>Non è stato possibile avviare il server locale. Il suo registro dice perché: %1</translation>
    </message>
    <message>
        <source>The local server could not start: %1.</source>
        <translation>Non è stato possibile avviare il server locale: %1.</translation>
    </message>
    <message>
        <source>Sportello: this computer</source>
        <translation>Sportello: questo computer</translation>
    </message>
    <message>
        <source>Sportello: %1</source>
        <translation>Sportello: %1</translation>
    </message>
    <message>
        <source>%1 ended the session: choose it in the Server menu to sign in again.</source>
        <translation>%1 ha chiuso la sessione: sceglilo nel menu Server per accedere di nuovo.</translation>
    </message>
    <message>
        <source>Add a server</source>
        <translation>Aggiungi un server</translation>
    </message>
    <message>
        <source>Local server: starting…</source>
        <translation>Server locale: avvio in corso…</translation>
    </message>
    <message>
        <source>Local server: running</source>
        <translation>Server locale: attivo</translation>
    </message>
    <message>
        <source>Local server stopped unexpectedly: restarting it…</source>
        <translation>Il server locale si è fermato inaspettatamente: lo riavvio…</translation>
    </message>
    <message>
        <source>Local server: could not start</source>
        <translation>Server locale: avvio non riuscito</translation>
    </message>
    <message>
        <source>Local server: stopped</source>
        <translation>Server locale: fermo</translation>
    </message>
    <message>
        <source>Local server: down</source>
        <translation>Server locale: fermo</translation>
    </message>
    <message>
        <source>Sportello</source>
        <translation>Sportello</translation>
    </message>
    <message>
        <source>Urgent</source>
        <translation>Urgente</translation>
    </message>
    <message>
        <source>High</source>
        <translation>Alta</translation>
    </message>
    <message>
        <source>Medium</source>
        <translation>Media</translation>
    </message>
    <message>
        <source>Low</source>
        <translation>Bassa</translation>
    </message>
    <message>
        <source>Pending</source>
        <translation>In attesa</translation>
    </message>
    <message>
        <source>Assigned</source>
        <translation>Assegnato</translation>
    </message>
    <message>
        <source>In progress</source>
        <translation>In lavorazione</translation>
    </message>
    <message>
        <source>Resolved</source>
        <translation>Risolto</translation>
    </message>
    <message>
        <source>Closed</source>
        <translation>Chiuso</translation>
    </message>
    <message>
        <source>Yesterday</source>
        <translation>Ieri</translation>
    </message>
    <message>
        <source>Today</source>
        <translation>Oggi</translation>
    </message>
    <message>
        <source>Photo</source>
        <translation>Foto</translation>
    </message>
    <message>
        <source>Voice message</source>
        <translation>Messaggio vocale</translation>
    </message>
    <message>
        <source>Video</source>
        <translation>Video</translation>
    </message>
    <message>
        <source>Document</source>
        <translation>Documento</translation>
    </message>
    <message>
        <source>Sticker</source>
        <translation>Sticker</translation>
    </message>
    <message>
        <source>Location</source>
        <translation>Posizione</translation>
    </message>
    <message>
        <source>Contact card</source>
        <translation>Scheda contatto</translation>
    </message>
    <message>
        <source>Attachment</source>
        <translation>Allegato</translation>
    </message>
    <message>
        <source>Ticket created automatically</source>
        <translation>Ticket creato automaticamente</translation>
    </message>
    <message>
        <source>Ticket created by hand</source>
        <translation>Ticket creato a mano</translation>
    </message>
    <message>
        <source>Status: %1 → %2</source>
        <translation>Stato: %1 → %2</translation>
    </message>
    <message>
        <source>Priority: %1 → %2</source>
        <translation>Priorità: %1 → %2</translation>
    </message>
    <message>
        <source>Assigned to %1</source>
        <translation>Assegnato a %1</translation>
    </message>
    <message>
        <source>Unassigned</source>
        <translation>Non assegnato</translation>
    </message>
    <message>
        <source>%1 · %2: %3</source>
        <translation>%1 · %2: %3</translation>
    </message>
    <message>
        <source>created automatically</source>
        <translation>creato automaticamente</translation>
    </message>
    <message>
        <source>created by hand</source>
        <translation>creato a mano</translation>
    </message>
    <message>
        <source>%1 · Ticket created (%2)</source>
        <translation>%1 · Ticket creato (%2)</translation>
    </message>
    <message>
        <source>%1 · Status: %2</source>
        <translation>%1 · Stato: %2</translation>
    </message>
    <message>
        <source>%1 · Priority: %2</source>
        <translation>%1 · Priorità: %2</translation>
    </message>
    <message>
        <source>%1 · Assigned to %2</source>
        <translation>%1 · Assegnato a %2</translation>
    </message>
    <message>
        <source>%1 · Ticket opened</source>
        <translation>%1 · Ticket aperto</translation>
    </message>
    <message>
        <source>Login name</source>
        <translation>Nome di accesso</translation>
    </message>
    <message>
        <source>Shown as</source>
        <translation>Nome mostrato</translation>
    </message>
    <message>
        <source>Role</source>
        <translation>Ruolo</translation>
    </message>
    <message>
        <source>Access</source>
        <translation>Accesso</translation>
    </message>
    <message>
        <source>Administrator</source>
        <translation>Amministratore</translation>
    </message>
    <message>
        <source>Operator</source>
        <translation>Operatore</translation>
    </message>
    <message>
        <source>Active</source>
        <translation>Attivo</translation>
    </message>
    <message>
        <source>Deactivated</source>
        <translation>Disattivato</translation>
    </message>
    <message>
        <source>Only an administrator can do this.</source>
        <translation>Solo un amministratore può farlo.</translation>
    </message>
    <message>
        <source>An operator with this login name already exists.</source>
        <translation>Esiste già un operatore con questo nome di accesso.</translation>
    </message>
    <message>
        <source>The login name must have 1 to 64 characters, without spaces at the start or the end.</source>
        <translation>Il nome di accesso deve avere da 1 a 64 caratteri, senza spazi all&apos;inizio o alla fine.</translation>
    </message>
    <message>
        <source>The password must have at least 8 characters.</source>
        <translation>La password deve avere almeno 8 caratteri.</translation>
    </message>
    <message>
        <source>You cannot deactivate your own account.</source>
        <translation>Non puoi disattivare il tuo account.</translation>
    </message>
    <message>
        <source>This operator no longer exists: the list is reloaded.</source>
        <translation>Questo operatore non esiste più: ricarico l&apos;elenco.</translation>
    </message>
    <message>
        <source>The server did not accept the change (%1).</source>
        <translation>Il server non ha accettato la modifica (%1).</translation>
    </message>
    <message>
        <source>the server does not answer: check the network and that the server is running</source>
        <translation>il server non risponde: controlla la rete e che il server sia acceso</translation>
    </message>
    <message>
        <source>there is no connection to the server right now</source>
        <translation>in questo momento non c&apos;è connessione con il server</translation>
    </message>
    <message>
        <source>the server did not answer in time</source>
        <translation>il server non ha risposto in tempo</translation>
    </message>
    <message>
        <source>this server does not offer it</source>
        <translation>questo server non lo offre</translation>
    </message>
    <message>
        <source>the start-at-login entry cannot be changed (see the log for the details)</source>
        <translation>non è possibile modificare l&apos;avvio all&apos;accesso (i dettagli sono nel registro)</translation>
    </message>
    <message>
        <source>a file cannot be read or written (see the log for which)</source>
        <translation>non è possibile leggere o scrivere un file (il registro dice quale)</translation>
    </message>
    <message>
        <source>the server refused it</source>
        <translation>il server l&apos;ha rifiutato</translation>
    </message>
    <message>
        <source>the server&apos;s answer is not what Sportello expects (is it a Sportello server?)</source>
        <translation>la risposta del server non è quella che Sportello si aspetta (è un server Sportello?)</translation>
    </message>
    <message>
        <source>the server no longer accepts your access: sign in again</source>
        <translation>il server non accetta più il tuo accesso: accedi di nuovo</translation>
    </message>
    <message>
        <source>wrong username or password</source>
        <translation>nome utente o password errati</translation>
    </message>
    <message>
        <source>your role does not allow it: ask an administrator</source>
        <translation>il tuo ruolo non lo consente: chiedi a un amministratore</translation>
    </message>
    <message>
        <source>the account is locked after too many failed sign-ins: try again later</source>
        <translation>l&apos;account è bloccato dopo troppi accessi non riusciti: riprova più tardi</translation>
    </message>
    <message>
        <source>the two-factor code is wrong or has expired</source>
        <translation>il codice di verifica è sbagliato o scaduto</translation>
    </message>
    <message>
        <source>this server signs in with an email address</source>
        <translation>su questo server si accede con un indirizzo email</translation>
    </message>
    <message>
        <source>the server did not accept what was entered</source>
        <translation>il server non ha accettato i dati inseriti</translation>
    </message>
    <message>
        <source>too many failed sign-ins: wait a minute, then try again</source>
        <translation>troppi accessi non riusciti: attendi un minuto, poi riprova</translation>
    </message>
    <message>
        <source>too many requests: wait a moment, then try again</source>
        <translation>troppe richieste: attendi un momento, poi riprova</translation>
    </message>
    <message>
        <source>the message is empty</source>
        <translation>il messaggio è vuoto</translation>
    </message>
    <message>
        <source>the message is too long (at most 4096 characters)</source>
        <translation>il messaggio è troppo lungo (al massimo 4096 caratteri)</translation>
    </message>
    <message>
        <source>the message has no recipient</source>
        <translation>il messaggio non ha un destinatario</translation>
    </message>
    <message>
        <source>the phone number is not valid</source>
        <translation>il numero di telefono non è valido</translation>
    </message>
    <message>
        <source>the customer last wrote more than 24 hours ago: WhatsApp no longer accepts a free reply in this conversation</source>
        <translation>il cliente ha scritto l&apos;ultima volta più di 24 ore fa: WhatsApp non accetta più una risposta libera in questa conversazione</translation>
    </message>
    <message>
        <source>the ticket of this conversation is assigned to a colleague</source>
        <translation>il ticket di questa conversazione è assegnato a un collega</translation>
    </message>
    <message>
        <source>this server has no WhatsApp connection to send replies through</source>
        <translation>questo server non ha un collegamento WhatsApp da cui inviare le risposte</translation>
    </message>
    <message>
        <source>the WhatsApp line is not connected: an administrator must connect it (Connect WhatsApp)</source>
        <translation>la linea WhatsApp non è collegata: un amministratore deve collegarla (Collega WhatsApp)</translation>
    </message>
    <message>
        <source>the WhatsApp gateway does not answer, or refuses the server&apos;s key</source>
        <translation>il gateway WhatsApp non risponde, oppure rifiuta la chiave del server</translation>
    </message>
    <message>
        <source>this server has no WhatsApp gateway configured</source>
        <translation>su questo server non è configurato alcun gateway WhatsApp</translation>
    </message>
    <message>
        <source>this server cannot start the WhatsApp session itself (its secret key is not set)</source>
        <translation>questo server non può avviare da sé la sessione WhatsApp (la sua chiave segreta non è impostata)</translation>
    </message>
    <message>
        <source>the WhatsApp line is already connected</source>
        <translation>la linea WhatsApp è già collegata</translation>
    </message>
    <message>
        <source>it no longer exists on the server</source>
        <translation>non esiste più sul server</translation>
    </message>
    <message>
        <source>this contact already has an open ticket</source>
        <translation>questo contatto ha già un ticket aperto</translation>
    </message>
    <message>
        <source>the server does not accept that status</source>
        <translation>il server non accetta quello stato</translation>
    </message>
    <message>
        <source>the server does not accept that priority</source>
        <translation>il server non accetta quella priorità</translation>
    </message>
    <message>
        <source>that operator does not exist on the server</source>
        <translation>quell&apos;operatore non esiste sul server</translation>
    </message>
    <message>
        <source>the ticket title is not valid</source>
        <translation>il titolo del ticket non è valido</translation>
    </message>
    <message>
        <source>enter the words to search for</source>
        <translation>scrivi le parole da cercare</translation>
    </message>
    <message>
        <source>the search is too long (at most 200 characters)</source>
        <translation>la ricerca è troppo lunga (al massimo 200 caratteri)</translation>
    </message>
    <message>
        <source>the request is too large for the server</source>
        <translation>la richiesta è troppo grande per il server</translation>
    </message>
    <message>
        <source>the server is restarting: try again in a moment</source>
        <translation>il server si sta riavviando: riprova tra un momento</translation>
    </message>
    <message>
        <source>the server cannot reach its database: try again in a moment</source>
        <translation>il server non raggiunge il suo database: riprova tra un momento</translation>
    </message>
    <message>
        <source>the server is not available: try again in a moment</source>
        <translation>il server non è disponibile: riprova tra un momento</translation>
    </message>
    <message>
        <source>the server failed (its log says why)</source>
        <translation>il server ha avuto un errore (il suo registro dice perché)</translation>
    </message>
    <message>
        <source>the server did not understand the request (a fault of Sportello, see the log)</source>
        <translation>il server non ha capito la richiesta (un difetto di Sportello, vedi il registro)</translation>
    </message>
    <message>
        <source>the server refused it (see the log for the details)</source>
        <translation>il server l&apos;ha rifiutato (i dettagli sono nel registro)</translation>
    </message>
    <message>
        <source>no system keyring works on this computer: install GNOME Keyring or KWallet (a Secret Service) to save the sign-in to a server</source>
        <translation>su questo computer non funziona nessun portachiavi di sistema: installa GNOME Keyring o KWallet (un Secret Service) per salvare l&apos;accesso a un server</translation>
    </message>
    <message>
        <source>something went wrong (see the log for the details)</source>
        <translation>qualcosa non ha funzionato (i dettagli sono nel registro)</translation>
    </message>
    <message>
        <source>WhatsApp did not accept it</source>
        <translation>WhatsApp non l&apos;ha accettato</translation>
    </message>
    <message>
        <source>Enter the address of WPPConnect Server.</source>
        <translation>Inserisci l&apos;indirizzo di WPPConnect Server.</translation>
    </message>
    <message>
        <source>Enter the name of the WhatsApp session.</source>
        <translation>Inserisci il nome della sessione WhatsApp.</translation>
    </message>
    <message>
        <source>Enter the secret key of WPPConnect Server.</source>
        <translation>Inserisci la chiave segreta di WPPConnect Server.</translation>
    </message>
    <message>
        <source>Enter the phone number ID of the Cloud API.</source>
        <translation>Inserisci il Phone number ID della Cloud API.</translation>
    </message>
    <message>
        <source>Enter the access token of the Cloud API.</source>
        <translation>Inserisci l&apos;access token della Cloud API.</translation>
    </message>
    <message>
        <source>Enter the app secret of the Meta app.</source>
        <translation>Inserisci l&apos;app secret dell&apos;app Meta.</translation>
    </message>
    <message>
        <source>Enter the verify token of the Meta webhook.</source>
        <translation>Inserisci il verify token del webhook di Meta.</translation>
    </message>
    <message>
        <source>Fill in every field.</source>
        <translation>Compila tutti i campi.</translation>
    </message>
    <message>
        <source>%1 is not a web address: write it as http://computer:21465.</source>
        <translation>%1 non è un indirizzo web: scrivilo come http://computer:21465.</translation>
    </message>
    <message>
        <source>The session name may hold only letters, digits, - and _.</source>
        <translation>Il nome della sessione può contenere solo lettere, cifre, - e _.</translation>
    </message>
    <message>
        <source>WPPConnect&apos;s secret key is not correct: copy SECRET_KEY from WPPConnect Server&apos;s configuration.</source>
        <translation>La chiave segreta di WPPConnect non è corretta: copia SECRET_KEY dalla configurazione di WPPConnect Server.</translation>
    </message>
    <message>
        <source>%1 answers, but it is not WPPConnect Server: check the address and the port.</source>
        <translation>%1 risponde, ma non è WPPConnect Server: controlla l&apos;indirizzo e la porta.</translation>
    </message>
    <message>
        <source>Meta refused the access token: it is wrong or has expired. Make a new one in Meta&apos;s developer pages.</source>
        <translation>Meta ha rifiutato l&apos;access token: è sbagliato o scaduto. Creane uno nuovo nelle pagine per sviluppatori di Meta.</translation>
    </message>
    <message>
        <source>Meta does not know this phone number ID with this token: copy it from WhatsApp &gt; API Setup.</source>
        <translation>Meta non conosce questo Phone number ID con questo token: copialo da WhatsApp &gt; Configurazione API.</translation>
    </message>
    <message>
        <source>The Graph API gave an answer Sportello does not expect.</source>
        <translation>La Graph API ha dato una risposta che Sportello non si aspetta.</translation>
    </message>
    <message>
        <source>Checked, but not saved: %1.</source>
        <translation>Verificato, ma non salvato: %1.</translation>
    </message>
    <message>
        <source>WPPConnect Server does not answer at %1: check the address and that it is running.</source>
        <translation>WPPConnect Server non risponde all&apos;indirizzo %1: controlla l&apos;indirizzo e che sia avviato.</translation>
    </message>
    <message>
        <source>The Graph API does not answer: check the internet connection.</source>
        <translation>La Graph API non risponde: controlla la connessione a internet.</translation>
    </message>
    <message>
        <source>The gateway refused these settings.</source>
        <translation>Il gateway ha rifiutato queste impostazioni.</translation>
    </message>
    <message>
        <source>Open WhatsApp on the office phone &gt; Linked devices &gt; Link a device</source>
        <translation>Apri WhatsApp sul telefono dell&apos;ufficio &gt; Dispositivi collegati &gt; Collega un dispositivo</translation>
    </message>
    <message>
        <source>Tap “Link with phone number instead” and type this code</source>
        <translation>Tocca «Collega con il numero di telefono» e inserisci questo codice</translation>
    </message>
    <message>
        <source>Scan this code</source>
        <translation>Inquadra questo codice</translation>
    </message>
    <message>
        <source>Customers&apos; messages arrive in Sportello and replies go out from this number.</source>
        <translation>I messaggi dei clienti arrivano in Sportello e le risposte partono da questo numero.</translation>
    </message>
    <message>
        <source>Connected</source>
        <translation>Collegato</translation>
    </message>
    <message>
        <source>Scan this code with the office phone</source>
        <translation>Inquadra questo codice con il telefono dell&apos;ufficio</translation>
    </message>
    <message>
        <source>The code changes every 20 seconds or so; if nobody scans it within a minute, WhatsApp closes the session and Sportello offers a new code.</source>
        <translation>Il codice cambia ogni 20 secondi circa; se nessuno lo inquadra entro un minuto, WhatsApp chiude la sessione e Sportello propone un nuovo codice.</translation>
    </message>
    <message>
        <source>Type this code on the office phone</source>
        <translation>Inserisci questo codice sul telefono dell&apos;ufficio</translation>
    </message>
    <message>
        <source>Starting the WhatsApp session…</source>
        <translation>Avvio della sessione WhatsApp…</translation>
    </message>
    <message>
        <source>WPPConnect Server is opening WhatsApp: the code appears here in a few seconds.</source>
        <translation>WPPConnect Server sta aprendo WhatsApp: il codice compare qui tra pochi secondi.</translation>
    </message>
    <message>
        <source>The office phone removed this linked device: WhatsApp messages no longer arrive. Ask for a new code and scan it again.</source>
        <translation>Il telefono dell&apos;ufficio ha scollegato questo dispositivo: i messaggi WhatsApp non arrivano più. Chiedi un nuovo codice e inquadralo di nuovo.</translation>
    </message>
    <message>
        <source>The code was not scanned in time, or the phone removed this linked device. Ask for a new code and scan it.</source>
        <translation>Il codice non è stato inquadrato in tempo, oppure il telefono ha scollegato questo dispositivo. Chiedi un nuovo codice e inquadralo.</translation>
    </message>
    <message>
        <source>The WhatsApp session is closed</source>
        <translation>La sessione WhatsApp è chiusa</translation>
    </message>
    <message>
        <source>Sportello&apos;s server gets no answer from WPPConnect Server at %1: check that it is running.</source>
        <translation>Il server di Sportello non riceve risposta da WPPConnect Server all&apos;indirizzo %1: controlla che sia avviato.</translation>
    </message>
    <message>
        <source>Sportello&apos;s server gets no answer from WPPConnect Server: check that it is running and that the server&apos;s --wppconnect-url is right.</source>
        <translation>Il server di Sportello non riceve risposta da WPPConnect Server: controlla che sia avviato e che il --wppconnect-url del server sia giusto.</translation>
    </message>
    <message>
        <source>WPPConnect Server cannot be reached</source>
        <translation>Il server WPPConnect non è raggiungibile</translation>
    </message>
    <message>
        <source>Correct it in Settings &gt; Local server: it is SECRET_KEY in WPPConnect Server&apos;s configuration.</source>
        <translation>Correggila in Impostazioni &gt; Server locale: è SECRET_KEY nella configurazione di WPPConnect Server.</translation>
    </message>
    <message>
        <source>An administrator must correct the server&apos;s --wppconnect-secret-key: it is SECRET_KEY in WPPConnect Server&apos;s configuration.</source>
        <translation>Un amministratore deve correggere il --wppconnect-secret-key del server: è SECRET_KEY nella configurazione di WPPConnect Server.</translation>
    </message>
    <message>
        <source>WPPConnect&apos;s secret key is not correct</source>
        <translation>La chiave segreta di WPPConnect non è corretta</translation>
    </message>
    <message>
        <source>Enter WPPConnect Server&apos;s address, session and secret key in Settings &gt; Local server.</source>
        <translation>Inserisci indirizzo, sessione e chiave segreta di WPPConnect Server in Impostazioni &gt; Server locale.</translation>
    </message>
    <message>
        <source>The server was started without --wppconnect-url: an administrator must set it.</source>
        <translation>Il server è stato avviato senza --wppconnect-url: un amministratore deve impostarlo.</translation>
    </message>
    <message>
        <source>No WhatsApp gateway is set up</source>
        <translation>Nessun gateway WhatsApp configurato</translation>
    </message>
    <message>
        <source>The WhatsApp line is in a state this version of Sportello does not know</source>
        <translation>La linea WhatsApp è in uno stato che questa versione di Sportello non conosce</translation>
    </message>
    <message>
        <source>Update Sportello to see what it means.</source>
        <translation>Aggiorna Sportello per sapere che cosa significa.</translation>
    </message>
    <message>
        <source>Only an administrator can connect WhatsApp</source>
        <translation>Solo un amministratore può collegare WhatsApp</translation>
    </message>
    <message>
        <source>Ask an administrator: whoever scans the code controls the office&apos;s WhatsApp number.</source>
        <translation>Chiedi a un amministratore: chi inquadra il codice controlla il numero WhatsApp dell&apos;ufficio.</translation>
    </message>
    <message>
        <source>This server cannot connect WhatsApp from Sportello</source>
        <translation>Questo server non può collegare WhatsApp da Sportello</translation>
    </message>
    <message>
        <source>It is an older version: link the office phone in WPPConnect Server&apos;s own pages.</source>
        <translation>È una versione precedente: collega il telefono dell&apos;ufficio dalle pagine di WPPConnect Server.</translation>
    </message>
    <message>
        <source>Reading the state of WhatsApp…</source>
        <translation>Lettura dello stato di WhatsApp…</translation>
    </message>
    <message>
        <source>The state of WhatsApp cannot be read</source>
        <translation>Non è possibile leggere lo stato di WhatsApp</translation>
    </message>
    <message>
        <source>%1. It is read again when the connection to the server is back.</source>
        <translation>%1. Verrà letto di nuovo quando torna la connessione al server.</translation>
    </message>
    <message>
        <source>In WPPConnect Server&apos;s configuration set webhook.readMessage to false (and keep autoDownload true): otherwise customers see blue ticks before anyone in the office has read their message.</source>
        <translation>Nella configurazione di WPPConnect Server imposta webhook.readMessage a false (e lascia autoDownload a true): altrimenti i clienti vedono le spunte blu prima che qualcuno in ufficio abbia letto il messaggio.</translation>
    </message>
</context>
<context>
    <name>Composer</name>
    <message>
        <source>Reply</source>
        <translation>Rispondi</translation>
    </message>
    <message>
        <source>Reply text</source>
        <translation>Testo della risposta</translation>
    </message>
    <message>
        <source>Write a reply. Enter sends, Shift+Enter starts a new line.</source>
        <translation>Scrivi una risposta. Invio per inviare, Maiusc+Invio per andare a capo.</translation>
    </message>
    <message>
        <source>Send</source>
        <translation>Invia</translation>
    </message>
    <message>
        <source>Send reply</source>
        <translation>Invia la risposta</translation>
    </message>
    <message>
        <source>Send (Enter)</source>
        <translation>Invia (Invio)</translation>
    </message>
    <message>
        <source>Why replying is not possible</source>
        <translation>Perché non si può rispondere</translation>
    </message>
    <message>
        <source>Connect WhatsApp</source>
        <translation>Collega WhatsApp</translation>
    </message>
</context>
<context>
    <name>ConnectWhatsAppDialog</name>
    <message>
        <source>Sportello: connect WhatsApp</source>
        <translation>Sportello: collega WhatsApp</translation>
    </message>
</context>
<context>
    <name>ConnectWhatsAppPanel</name>
    <message>
        <source>Connect WhatsApp</source>
        <translation>Collega WhatsApp</translation>
    </message>
    <message>
        <source>QR code to scan with the office phone</source>
        <translation>Codice QR da inquadrare con il telefono dell&apos;ufficio</translation>
    </message>
    <message>
        <source>WhatsApp line</source>
        <translation>Linea WhatsApp</translation>
    </message>
    <message>
        <source>Steps on the office phone</source>
        <translation>Passaggi sul telefono dell&apos;ufficio</translation>
    </message>
    <message>
        <source>Code to type on the phone</source>
        <translation>Codice da inserire sul telefono</translation>
    </message>
    <message>
        <source>The linked WhatsApp number</source>
        <translation>Il numero WhatsApp collegato</translation>
    </message>
    <message>
        <source>What it means</source>
        <translation>Che cosa significa</translation>
    </message>
    <message>
        <source>New code</source>
        <translation>Nuovo codice</translation>
    </message>
    <message>
        <source>Ask for a new QR code</source>
        <translation>Chiedi un nuovo codice QR</translation>
    </message>
    <message>
        <source>Error</source>
        <translation>Errore</translation>
    </message>
    <message>
        <source>WPPConnect configuration advice</source>
        <translation>Consiglio per la configurazione di WPPConnect</translation>
    </message>
    <message>
        <source>Asking for a new code…</source>
        <translation>Richiesta di un nuovo codice…</translation>
    </message>
    <message>
        <source>A new code cannot be asked for: %1.</source>
        <translation>Non è possibile chiedere un nuovo codice: %1.</translation>
    </message>
</context>
<context>
    <name>ConnectedProfiles</name>
    <message>
        <source>%1: %2</source>
        <translation>%1: %2</translation>
    </message>
</context>
<context>
    <name>ConsoleMenus</name>
    <message>
        <source>&amp;Sportello</source>
        <translation>&amp;Sportello</translation>
    </message>
    <message>
        <source>&amp;Settings…</source>
        <translation>&amp;Impostazioni…</translation>
    </message>
    <message>
        <source>&amp;Operators…</source>
        <translation>&amp;Operatori…</translation>
    </message>
    <message>
        <source>Stop the local server and sign out</source>
        <translation>Ferma il server locale ed esci dall&apos;account</translation>
    </message>
    <message>
        <source>&amp;Log out</source>
        <translation>Esci dall&apos;&amp;account</translation>
    </message>
    <message>
        <source>&amp;Quit</source>
        <translation>&amp;Esci</translation>
    </message>
    <message>
        <source>Se&amp;rver</source>
        <translation>Se&amp;rver</translation>
    </message>
    <message>
        <source>Connect &amp;WhatsApp…</source>
        <translation>Collega &amp;WhatsApp…</translation>
    </message>
    <message>
        <source>&amp;Webhook address and secret…</source>
        <translation>Indirizzo e segreto del &amp;webhook…</translation>
    </message>
    <message>
        <source>&amp;Restart the server</source>
        <translation>&amp;Riavvia il server</translation>
    </message>
    <message>
        <source>This computer (local server)</source>
        <translation>Questo computer (server locale)</translation>
    </message>
    <message>
        <source>%1 (%2)</source>
        <translation>%1 (%2)</translation>
    </message>
    <message>
        <source>&amp;Add a server…</source>
        <translation>&amp;Aggiungi un server…</translation>
    </message>
</context>
<context>
    <name>ConsoleStatusBar</name>
    <message>
        <source>Status bar</source>
        <translation>Barra di stato</translation>
    </message>
    <message>
        <source>Connection state</source>
        <translation>Stato della connessione</translation>
    </message>
    <message>
        <source>Synchronization</source>
        <translation>Sincronizzazione</translation>
    </message>
    <message>
        <source>Server address</source>
        <translation>Indirizzo del server</translation>
    </message>
    <message>
        <source>Operators typing</source>
        <translation>Operatori che scrivono</translation>
    </message>
    <message>
        <source>Features this server lacks</source>
        <translation>Funzioni che mancano a questo server</translation>
    </message>
    <message>
        <source>Catching up…</source>
        <translation>Recupero dei messaggi…</translation>
    </message>
    <message>
        <source>Operator %1</source>
        <translation>Operatore %1</translation>
    </message>
    <message>
        <source>%1 of this server is typing…</source>
        <translation>%1 di questo server sta scrivendo…</translation>
    </message>
    <message>
        <source>%1 of this server are typing…</source>
        <translation>%1 di questo server stanno scrivendo…</translation>
    </message>
    <message>
        <source>Legacy server. Not available: %1.</source>
        <translation>Server precedente. Non disponibile: %1.</translation>
    </message>
    <message>
        <source>history sync</source>
        <translation>sincronizzazione dello storico</translation>
    </message>
    <message>
        <source>resume after reconnection</source>
        <translation>ripresa dopo la riconnessione</translation>
    </message>
    <message>
        <source>sending</source>
        <translation>invio</translation>
    </message>
    <message>
        <source>ticket edits</source>
        <translation>modifica dei ticket</translation>
    </message>
    <message>
        <source>search</source>
        <translation>ricerca</translation>
    </message>
    <message>
        <source>older messages</source>
        <translation>messaggi meno recenti</translation>
    </message>
    <message>
        <source>Online</source>
        <translation>Connesso</translation>
    </message>
    <message>
        <source>Connecting…</source>
        <translation>Connessione in corso…</translation>
    </message>
    <message>
        <source>Reconnecting in %1 s</source>
        <translation>Riconnessione tra %1 s</translation>
    </message>
    <message>
        <source>Reconnecting…</source>
        <translation>Riconnessione…</translation>
    </message>
    <message>
        <source>Offline, showing cached data</source>
        <translation>Non in linea, mostro i dati salvati</translation>
    </message>
    <message>
        <source>next attempt in %1 s</source>
        <translation>prossimo tentativo tra %1 s</translation>
    </message>
    <message>
        <source>Not authorized: the access token was refused. Sign in again.</source>
        <translation>Non autorizzato: il token di accesso è stato rifiutato. Accedi di nuovo.</translation>
    </message>
    <message>
        <source>Not connected</source>
        <translation>Non connesso</translation>
    </message>
</context>
<context>
    <name>ConversationListModel</name>
    <message numerus="yes">
        <source>%n unread</source>
        <translation>
            <numerusform>%n non letto</numerusform>
            <numerusform>%n non letti</numerusform>
        </translation>
    </message>
    <message>
        <source>ticket #%1</source>
        <translation>ticket n. %1</translation>
    </message>
    <message>
        <source>reply not sent</source>
        <translation>risposta non inviata</translation>
    </message>
    <message>
        <source>%1 writing a reply</source>
        <translation>%1 sta rispondendo</translation>
    </message>
    <message>
        <source>%1 viewing</source>
        <translation>%1 la sta guardando</translation>
    </message>
</context>
<context>
    <name>ConversationPane</name>
    <message>
        <source>Conversations</source>
        <translation>Conversazioni</translation>
    </message>
    <message>
        <source>Search messages, contacts and tickets</source>
        <translation>Cerca messaggi, contatti e ticket</translation>
    </message>
    <message>
        <source>Search (Ctrl+K)</source>
        <translation>Cerca (Ctrl+K)</translation>
    </message>
    <message>
        <source>Clear search</source>
        <translation>Cancella la ricerca</translation>
    </message>
    <message>
        <source>&amp;All</source>
        <translation>&amp;Tutte</translation>
    </message>
    <message>
        <source>U&amp;nread</source>
        <translation>&amp;Non lette</translation>
    </message>
    <message>
        <source>&amp;Open</source>
        <translation>&amp;Aperte</translation>
    </message>
    <message>
        <source>Ur&amp;gent</source>
        <translation>&amp;Urgenti</translation>
    </message>
    <message>
        <source>&amp;Mine</source>
        <translation>&amp;Mie</translation>
    </message>
    <message>
        <source>Show all conversations</source>
        <translation>Mostra tutte le conversazioni</translation>
    </message>
    <message>
        <source>Show conversations with unread messages</source>
        <translation>Mostra le conversazioni con messaggi non letti</translation>
    </message>
    <message>
        <source>Show conversations with an open ticket</source>
        <translation>Mostra le conversazioni con un ticket aperto</translation>
    </message>
    <message>
        <source>Show conversations with an urgent open ticket</source>
        <translation>Mostra le conversazioni con un ticket urgente aperto</translation>
    </message>
    <message>
        <source>Show conversations whose ticket is assigned to me</source>
        <translation>Mostra le conversazioni con un ticket assegnato a me</translation>
    </message>
    <message>
        <source>Conversation list</source>
        <translation>Elenco delle conversazioni</translation>
    </message>
    <message>
        <source>Search results</source>
        <translation>Risultati della ricerca</translation>
    </message>
    <message>
        <source>Search status</source>
        <translation>Stato della ricerca</translation>
    </message>
    <message>
        <source>Searching…</source>
        <translation>Ricerca in corso…</translation>
    </message>
    <message numerus="yes">
        <source>%n result(s). Enter opens the conversation.</source>
        <translation>
            <numerusform>%n risultato. Invio apre la conversazione.</numerusform>
            <numerusform>%n risultati. Invio apre la conversazione.</numerusform>
        </translation>
    </message>
    <message>
        <source>Nothing found for “%1”.</source>
        <translation>Nessun risultato per «%1».</translation>
    </message>
</context>
<context>
    <name>DeskAwarenessView</name>
    <message>
        <source>Colleagues here</source>
        <translation>Colleghi presenti</translation>
    </message>
    <message>
        <source>WhatsApp 24-hour window</source>
        <translation>Finestra di 24 ore di WhatsApp</translation>
    </message>
    <message>
        <source>A colleague is replying</source>
        <translation>Un collega sta rispondendo</translation>
    </message>
    <message>
        <source>WhatsApp gateway</source>
        <translation>Gateway WhatsApp</translation>
    </message>
    <message>
        <source>WhatsApp&apos;s 24-hour window is closed: the customer has not written for more than 24 hours, and the Cloud API now accepts only an approved template. Templates are not available in Sportello yet: call the customer, or wait for them to write again.</source>
        <translation>La finestra di 24 ore di WhatsApp è chiusa: il cliente non scrive da più di 24 ore e ora la Cloud API accetta solo un modello approvato. In Sportello i modelli non sono ancora disponibili: telefona al cliente o aspetta che scriva di nuovo.</translation>
    </message>
    <message>
        <source>Only the colleague assigned to ticket #%1 can reply: this server allows replies from the assignee only. Ask them, or have the ticket assigned to you.</source>
        <translation>Può rispondere solo il collega assegnatario del ticket n. %1: questo server accetta risposte solo dall&apos;assegnatario. Chiedi a lui, oppure fatti assegnare il ticket.</translation>
    </message>
    <message>
        <source>this server has no WhatsApp line connected yet</source>
        <translation>questo server non ha ancora una linea WhatsApp collegata</translation>
    </message>
    <message>
        <source>the office phone is not linked to WhatsApp</source>
        <translation>il telefono dell&apos;ufficio non è collegato a WhatsApp</translation>
    </message>
    <message>
        <source>the WhatsApp line does not answer</source>
        <translation>la linea WhatsApp non risponde</translation>
    </message>
    <message>
        <source>Ask an administrator to connect WhatsApp.</source>
        <translation>Chiedi a un amministratore di collegare WhatsApp.</translation>
    </message>
    <message>
        <source>Connect WhatsApp to send them.</source>
        <translation>Collega WhatsApp per inviarle.</translation>
    </message>
    <message>
        <source>Connect WhatsApp and scan the QR code with the office phone.</source>
        <translation>Collega WhatsApp e inquadra il codice QR con il telefono dell&apos;ufficio.</translation>
    </message>
    <message>
        <source>Check the line in Connect WhatsApp.</source>
        <translation>Controlla la linea in Collega WhatsApp.</translation>
    </message>
    <message>
        <source>Replies cannot go out: %1. %2</source>
        <translation>Le risposte non possono partire: %1. %2</translation>
    </message>
    <message>
        <source>%1 is replying to this customer right now. Press Enter again to send yours anyway.</source>
        <translation>%1 sta rispondendo a questo cliente proprio ora. Premi di nuovo Invio per inviare comunque la tua risposta.</translation>
    </message>
    <message>
        <source>%1 is writing a reply</source>
        <translation>%1 sta scrivendo una risposta</translation>
    </message>
    <message>
        <source>%1 also has it open</source>
        <translation>Anche %1 la sta guardando</translation>
    </message>
    <message>
        <source>%1 is replying to this customer: check before you send.</source>
        <translation>%1 sta rispondendo a questo cliente: controlla prima di inviare.</translation>
    </message>
    <message>
        <source>24-hour window closed: free replies are not possible (no templates yet)</source>
        <translation>Finestra di 24 ore chiusa: non si possono inviare risposte libere (modelli non ancora disponibili)</translation>
    </message>
    <message>
        <source>24-hour window closes in %1: reply now</source>
        <translation>La finestra di 24 ore si chiude tra %1: rispondi adesso</translation>
    </message>
    <message>
        <source>24-hour window: %1 left to reply</source>
        <translation>Finestra di 24 ore: restano %1 per rispondere</translation>
    </message>
    <message>
        <source>(+%1 more)</source>
        <translation>(altri %1)</translation>
    </message>
</context>
<context>
    <name>DesktopAlerts</name>
    <message>
        <source>Sportello is still running</source>
        <translation>Sportello è ancora attivo</translation>
    </message>
    <message>
        <source>Sportello keeps running in the system tray and will notify you of new messages. Choose Quit from the tray menu to close it.</source>
        <translation>Sportello resta attivo nell&apos;area di notifica e ti avvisa dei nuovi messaggi. Per chiuderlo scegli Esci dal menu dell&apos;icona.</translation>
    </message>
    <message>
        <source>Unknown contact</source>
        <translation>Contatto sconosciuto</translation>
    </message>
    <message numerus="yes">
        <source>%n new messages from %1</source>
        <translation>
            <numerusform>%n nuovo messaggio da %1</numerusform>
            <numerusform>%n nuovi messaggi da %1</numerusform>
        </translation>
    </message>
    <message>
        <source>URGENT: %1</source>
        <translation>URGENTE: %1</translation>
    </message>
    <message>
        <source>New ticket #%1 (%2): %3</source>
        <translation>Nuovo ticket n. %1 (%2): %3</translation>
    </message>
    <message>
        <source>Open</source>
        <translation>Apri</translation>
    </message>
    <message>
        <source>Mark as read</source>
        <translation>Segna come letto</translation>
    </message>
    <message>
        <source>Ticket #%1 (%2) waiting for %3: %4</source>
        <translation>Ticket n. %1 (%2) in attesa da %3: %4</translation>
    </message>
    <message>
        <source>Nobody has opened it yet.</source>
        <translation>Nessuno l&apos;ha ancora aperto.</translation>
    </message>
    <message>
        <source>The local server is down</source>
        <translation>Il server locale è fermo</translation>
    </message>
    <message>
        <source>Not marked as read: %1.</source>
        <translation>Non segnato come letto: %1.</translation>
    </message>
    <message>
        <source>#%1 %2</source>
        <translation>n. %1 %2</translation>
    </message>
    <message numerus="yes">
        <source>%n ticket(s) waiting to be opened: %1</source>
        <translation>
            <numerusform>%n ticket in attesa di essere aperto: %1</numerusform>
            <numerusform>%n ticket in attesa di essere aperti: %1</numerusform>
        </translation>
    </message>
    <message>
        <source>#%1 (%2) %3, waiting for %4</source>
        <translation>n. %1 (%2) %3, in attesa da %4</translation>
    </message>
    <message>
        <source>Nobody has opened them yet.</source>
        <translation>Nessuno li ha ancora aperti.</translation>
    </message>
    <message>
        <source>%1: %2</source>
        <translation>%1: %2</translation>
    </message>
    <message>
        <source>Message not sent to %1</source>
        <translation>Messaggio non inviato a %1</translation>
    </message>
    <message>
        <source>%1 Open the conversation to send it again.</source>
        <translation>%1 Apri la conversazione per inviarlo di nuovo.</translation>
    </message>
</context>
<context>
    <name>EscalationController</name>
    <message numerus="yes">
        <source>%n ticket(s) waiting to be opened, the oldest for %1</source>
        <translation>
            <numerusform>%n ticket in attesa di essere aperto, da %1</numerusform>
            <numerusform>%n ticket in attesa di essere aperti, il più vecchio da %1</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>GatewayAdvice</name>
    <message>
        <source>WhatsApp gateway disconnected</source>
        <translation>Gateway WhatsApp disconnesso</translation>
    </message>
    <message>
        <source>WhatsApp gateway logged out</source>
        <translation>Il gateway WhatsApp è uscito dall&apos;account</translation>
    </message>
    <message>
        <source>WhatsApp is open elsewhere (another WhatsApp Web)</source>
        <translation>WhatsApp è aperto altrove (un altro WhatsApp Web)</translation>
    </message>
    <message>
        <source>The WhatsApp number is blocked</source>
        <translation>Il numero WhatsApp è bloccato</translation>
    </message>
    <message>
        <source>The WhatsApp gateway refused the access token</source>
        <translation>Il gateway WhatsApp ha rifiutato il token di accesso</translation>
    </message>
    <message>
        <source>The server cannot reach WPPConnect Server</source>
        <translation>Il server non raggiunge WPPConnect Server</translation>
    </message>
    <message>
        <source>WhatsApp gateway down (%1)</source>
        <translation>Gateway WhatsApp non attivo (%1)</translation>
    </message>
    <message>
        <source>check that the business phone is online and that WPPConnect Server is running.</source>
        <translation>verifica che il telefono aziendale sia connesso e che WPPConnect Server sia in funzione.</translation>
    </message>
    <message>
        <source>scan the new QR code with the business phone: an administrator opens it with Connect WhatsApp.</source>
        <translation>inquadra il nuovo codice QR con il telefono aziendale: un amministratore lo apre con Collega WhatsApp.</translation>
    </message>
    <message>
        <source>close it there to receive messages here.</source>
        <translation>chiudilo lì per ricevere i messaggi qui.</translation>
    </message>
    <message>
        <source>check the business phone.</source>
        <translation>controlla il telefono aziendale.</translation>
    </message>
    <message>
        <source>an administrator must renew it. Replies are not sent.</source>
        <translation>un amministratore deve rinnovarlo. Le risposte non vengono inviate.</translation>
    </message>
    <message>
        <source>check that it is running and that the server&apos;s --wppconnect-url is right.</source>
        <translation>controlla che sia avviato e che --wppconnect-url del server sia corretto.</translation>
    </message>
    <message>
        <source>check the gateway connection.</source>
        <translation>controlla la connessione del gateway.</translation>
    </message>
    <message>
        <source>%1: %2</source>
        <translation>%1: %2</translation>
    </message>
    <message>
        <source>%1 (%2, %3): %4</source>
        <translation>%1 (%2, %3): %4</translation>
    </message>
</context>
<context>
    <name>GatewayForm</name>
    <message>
        <source>WhatsApp gateway</source>
        <translation>Gateway WhatsApp</translation>
    </message>
    <message>
        <source>None for now (webhooks only)</source>
        <translation>Nessuno per ora (solo webhook)</translation>
    </message>
    <message>
        <source>WPPConnect Server</source>
        <translation>WPPConnect Server</translation>
    </message>
    <message>
        <source>WhatsApp Cloud API (Meta)</source>
        <translation>WhatsApp Cloud API (Meta)</translation>
    </message>
    <message>
        <source>Gateway check</source>
        <translation>Verifica del gateway</translation>
    </message>
    <message>
        <source>Gateway</source>
        <translation>Gateway</translation>
    </message>
    <message>
        <source>saved: leave empty to keep it</source>
        <translation>salvata: lascia vuoto per non cambiarla</translation>
    </message>
    <message>
        <source>WPPConnect Server address</source>
        <translation>Indirizzo di WPPConnect Server</translation>
    </message>
    <message>
        <source>Session name</source>
        <translation>Nome della sessione</translation>
    </message>
    <message>
        <source>Secret key</source>
        <translation>Chiave segreta</translation>
    </message>
    <message>
        <source>The secret key is SECRET_KEY in WPPConnect Server&apos;s configuration. WPPConnect Server must run on this computer: Sportello gives it its own address for the webhooks.</source>
        <translation>La chiave segreta è SECRET_KEY nella configurazione di WPPConnect Server. WPPConnect Server deve girare su questo computer: Sportello gli indica il proprio indirizzo per i webhook.</translation>
    </message>
    <message>
        <source>Address</source>
        <translation>Indirizzo</translation>
    </message>
    <message>
        <source>Session</source>
        <translation>Sessione</translation>
    </message>
    <message>
        <source>Phone number ID</source>
        <translation>Phone number ID</translation>
    </message>
    <message>
        <source>Access token</source>
        <translation>Access token</translation>
    </message>
    <message>
        <source>App secret</source>
        <translation>App secret</translation>
    </message>
    <message>
        <source>Verify token</source>
        <translation>Verify token</translation>
    </message>
    <message>
        <source>Checking with the gateway…</source>
        <translation>Verifica con il gateway in corso…</translation>
    </message>
    <message>
        <source>Checked: the gateway accepts them. Saved.</source>
        <translation>Verificato: il gateway le accetta. Salvate.</translation>
    </message>
    <message>
        <source>The gateway cannot be checked: %1.</source>
        <translation>Non è possibile verificare il gateway: %1.</translation>
    </message>
</context>
<context>
    <name>GatewaySetupDialog</name>
    <message>
        <source>Sportello: WhatsApp gateway</source>
        <translation>Sportello: gateway WhatsApp</translation>
    </message>
    <message>
        <source>How does this computer reach WhatsApp?</source>
        <translation>Come raggiunge WhatsApp questo computer?</translation>
    </message>
    <message>
        <source>Sportello&apos;s server runs on this computer. Tell it which WhatsApp gateway to use: it checks the settings now, then links the office number (with WPPConnect Server you scan a QR code with the office phone).</source>
        <translation>Il server di Sportello gira su questo computer. Indica quale gateway WhatsApp usare: Sportello verifica subito le impostazioni, poi collega il numero dell&apos;ufficio (con WPPConnect Server inquadri un codice QR con il telefono dell&apos;ufficio).</translation>
    </message>
    <message>
        <source>Check and save</source>
        <translation>Verifica e salva</translation>
    </message>
    <message>
        <source>Later</source>
        <translation>Più tardi</translation>
    </message>
</context>
<context>
    <name>LinePrompt</name>
    <message>
        <source>Connect WhatsApp</source>
        <translation>Collega WhatsApp</translation>
    </message>
    <message>
        <source>Open Connect WhatsApp</source>
        <translation>Apri Collega WhatsApp</translation>
    </message>
    <message>
        <source>WhatsApp not connected: connect it</source>
        <translation>WhatsApp non collegato: collegalo</translation>
    </message>
</context>
<context>
    <name>LocalServerDownBar</name>
    <message>
        <source>Local server down</source>
        <translation>Server locale fermo</translation>
    </message>
    <message>
        <source>Restart the server</source>
        <translation>Riavvia il server</translation>
    </message>
    <message>
        <source>The local server is down: port %1 is used by another program. Close that program, then restart the server.</source>
        <translation>Il server locale è fermo: la porta %1 è usata da un altro programma. Chiudi quel programma, poi riavvia il server.</translation>
    </message>
    <message>
        <source>The local server is down: it stopped and restarting it did not help. Its log says why: %1</source>
        <translation>Il server locale è fermo: si è interrotto e riavviarlo non è servito. Il motivo è nel suo registro: %1</translation>
    </message>
    <message>
        <source>Starting the local server…</source>
        <translation>Avvio del server locale…</translation>
    </message>
</context>
<context>
    <name>LocalServerPanel</name>
    <message>
        <source>Webhook address</source>
        <translation>Indirizzo del webhook</translation>
    </message>
    <message>
        <source>Webhook secret</source>
        <translation>Segreto del webhook</translation>
    </message>
    <message>
        <source>Copy</source>
        <translation>Copia</translation>
    </message>
    <message>
        <source>Copy the webhook address</source>
        <translation>Copia l&apos;indirizzo del webhook</translation>
    </message>
    <message>
        <source>Copy the webhook secret</source>
        <translation>Copia il segreto del webhook</translation>
    </message>
    <message>
        <source>Show</source>
        <translation>Mostra</translation>
    </message>
    <message>
        <source>In WPPConnect Server set the webhook URL to the address below and send the secret in the X-Webhook-Token header (or add ?token=SECRET to the address).</source>
        <translation>In WPPConnect Server imposta come URL del webhook l&apos;indirizzo qui sotto e invia il segreto nell&apos;intestazione X-Webhook-Token (oppure aggiungi ?token=SEGRETO all&apos;indirizzo).</translation>
    </message>
    <message>
        <source>Hide</source>
        <translation>Nascondi</translation>
    </message>
    <message>
        <source>Copied to the clipboard.</source>
        <translation>Copiato negli appunti.</translation>
    </message>
</context>
<context>
    <name>LocalServerReadyDialog</name>
    <message>
        <source>Local server is running</source>
        <translation>Il server locale è attivo</translation>
    </message>
    <message>
        <source>Sportello is ready to receive WhatsApp messages</source>
        <translation>Sportello è pronto a ricevere i messaggi WhatsApp</translation>
    </message>
    <message>
        <source>When you close the window Sportello keeps running in the tray and keeps receiving messages. Choose Quit from the tray menu to stop the server.</source>
        <translation>Quando chiudi la finestra, Sportello resta attivo nell&apos;area di notifica e continua a ricevere messaggi. Per fermare il server scegli Esci dal menu dell&apos;icona.</translation>
    </message>
</context>
<context>
    <name>LoginDialog</name>
    <message>
        <source>Sportello: sign in</source>
        <translation>Sportello: accesso</translation>
    </message>
    <message>
        <source>Sign in again</source>
        <translation>Accedi di nuovo</translation>
    </message>
    <message>
        <source>Add a server</source>
        <translation>Aggiungi un server</translation>
    </message>
    <message>
        <source>Welcome to Sportello</source>
        <translation>Benvenuto in Sportello</translation>
    </message>
    <message>
        <source>Connect to your company&apos;s Sportello server, or run the server on this computer if you are the only operator.</source>
        <translation>Collegati al server Sportello della tua azienda, oppure fai funzionare il server su questo computer se sei l&apos;unico operatore.</translation>
    </message>
    <message>
        <source>Notice</source>
        <translation>Avviso</translation>
    </message>
    <message>
        <source>for example http://192.168.1.10:3200</source>
        <translation>per esempio http://192.168.1.10:3200</translation>
    </message>
    <message>
        <source>Server address</source>
        <translation>Indirizzo del server</translation>
    </message>
    <message>
        <source>Username</source>
        <translation>Nome utente</translation>
    </message>
    <message>
        <source>your username, or email address</source>
        <translation>il tuo nome utente, o indirizzo email</translation>
    </message>
    <message>
        <source>Password</source>
        <translation>Password</translation>
    </message>
    <message>
        <source>Two-factor code</source>
        <translation>Codice di verifica in due passaggi</translation>
    </message>
    <message>
        <source>the code from your authenticator app</source>
        <translation>il codice della tua app di autenticazione</translation>
    </message>
    <message>
        <source>optional, e.g. Office</source>
        <translation>facoltativo, per esempio Ufficio</translation>
    </message>
    <message>
        <source>Profile name</source>
        <translation>Nome del profilo</translation>
    </message>
    <message>
        <source>Error</source>
        <translation>Errore</translation>
    </message>
    <message>
        <source>Connect</source>
        <translation>Accedi</translation>
    </message>
    <message>
        <source>Quit</source>
        <translation>Esci</translation>
    </message>
    <message>
        <source>Use this computer as the server</source>
        <translation>Usa questo computer come server</translation>
    </message>
    <message>
        <source>Port of the local server</source>
        <translation>Porta del server locale</translation>
    </message>
    <message>
        <source>No server yet?</source>
        <translation>Non hai ancora un server?</translation>
    </message>
    <message>
        <source>Port</source>
        <translation>Porta</translation>
    </message>
    <message>
        <source>Enter the server address, for example http://192.168.1.10:3200.</source>
        <translation>Inserisci l&apos;indirizzo del server, per esempio http://192.168.1.10:3200.</translation>
    </message>
    <message>
        <source>Enter your username and password.</source>
        <translation>Inserisci nome utente e password.</translation>
    </message>
    <message>
        <source>Enter the two-factor code from your authenticator app.</source>
        <translation>Inserisci il codice di verifica della tua app di autenticazione.</translation>
    </message>
    <message>
        <source>Connecting…</source>
        <translation>Accesso in corso…</translation>
    </message>
    <message>
        <source>This account needs its two-factor code: enter it, then Connect again.</source>
        <translation>Questo account richiede il codice di verifica in due passaggi: inseriscilo, poi premi di nuovo Accedi.</translation>
    </message>
    <message>
        <source>The two-factor code is wrong or has expired.</source>
        <translation>Il codice di verifica è sbagliato o scaduto.</translation>
    </message>
    <message>
        <source>Signed in for this session only, the sign-in is not saved: %1.</source>
        <translation>Accesso valido solo per questa sessione, l&apos;accesso non è salvato: %1.</translation>
    </message>
    <message>
        <source>The server refused the login: %1.</source>
        <translation>Il server ha rifiutato l&apos;accesso: %1.</translation>
    </message>
    <message>
        <source>Login failed: %1.</source>
        <translation>Accesso non riuscito: %1.</translation>
    </message>
    <message>
        <source>Cannot reach the server at %1. Check the address and that the server is running.</source>
        <translation>Il server %1 non risponde. Controlla l&apos;indirizzo e che il server sia acceso.</translation>
    </message>
    <message>
        <source>Sportello runs its own server here, asks for your WhatsApp gateway and links the office number (with WPPConnect Server, by scanning a QR code). Keep this computer on to receive messages.</source>
        <translation>Sportello avvia qui il proprio server, ti chiede il gateway WhatsApp e collega il numero dell&apos;ufficio (con WPPConnect Server, inquadrando un codice QR). Tieni acceso questo computer per ricevere i messaggi.</translation>
    </message>
    <message>
        <source>Wrong username or password.</source>
        <translation>Nome utente o password errati.</translation>
    </message>
    <message>
        <source>The server ended your session: your access was revoked or has expired. Sign in again to continue.</source>
        <translation>Il server ha chiuso la tua sessione: l&apos;accesso è stato revocato o è scaduto. Accedi di nuovo per continuare.</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <source>Sportello</source>
        <translation>Sportello</translation>
    </message>
    <message>
        <source>Sportello console</source>
        <translation>Console di Sportello</translation>
    </message>
    <message>
        <source>Older messages cannot be loaded right now. Scroll up again to retry.</source>
        <translation>Al momento non è possibile caricare i messaggi meno recenti. Scorri di nuovo verso l&apos;alto per riprovare.</translation>
    </message>
    <message>
        <source>Not sent: %1.</source>
        <translation>Non inviato: %1.</translation>
    </message>
    <message>
        <source>Retry failed: %1.</source>
        <translation>Nuovo tentativo non riuscito: %1.</translation>
    </message>
    <message>
        <source>Choose a conversation to reply.</source>
        <translation>Scegli una conversazione per rispondere.</translation>
    </message>
    <message>
        <source>This server cannot send messages: it is the legacy back end. Reply from its web page.</source>
        <translation>Questo server non può inviare messaggi: è il vecchio back end. Rispondi dalla sua pagina web.</translation>
    </message>
    <message>
        <source>The server refused this console&apos;s access token. Sign in again to reply.</source>
        <translation>Il server ha rifiutato il token di accesso di questa console. Accedi di nuovo per rispondere.</translation>
    </message>
    <message>
        <source>Group chats are read-only in Sportello. Reply from the phone.</source>
        <translation>In Sportello le chat di gruppo sono in sola lettura. Rispondi dal telefono.</translation>
    </message>
    <message>
        <source>Search failed: %1.</source>
        <translation>Ricerca non riuscita: %1.</translation>
    </message>
</context>
<context>
    <name>OperatorsDialog</name>
    <message>
        <source>Sportello: operators</source>
        <translation>Sportello: operatori</translation>
    </message>
    <message>
        <source>Operators</source>
        <translation>Operatori</translation>
    </message>
    <message>
        <source>Deactivate…</source>
        <translation>Disattiva…</translation>
    </message>
    <message>
        <source>Sign out everywhere</source>
        <translation>Disconnetti ovunque</translation>
    </message>
    <message>
        <source>Revoke every access token: the operator must sign in again.</source>
        <translation>Revoca tutti i token di accesso: l&apos;operatore deve accedere di nuovo.</translation>
    </message>
    <message>
        <source>New operator</source>
        <translation>Nuovo operatore</translation>
    </message>
    <message>
        <source>Login name</source>
        <translation>Nome di accesso</translation>
    </message>
    <message>
        <source>Shown as</source>
        <translation>Nome mostrato</translation>
    </message>
    <message>
        <source>Password</source>
        <translation>Password</translation>
    </message>
    <message>
        <source>Administrator</source>
        <translation>Amministratore</translation>
    </message>
    <message>
        <source>Create</source>
        <translation>Crea</translation>
    </message>
    <message>
        <source>Result</source>
        <translation>Esito</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>Chiudi</translation>
    </message>
    <message>
        <source>Give a login name and a password.</source>
        <translation>Indica un nome di accesso e una password.</translation>
    </message>
    <message>
        <source>Operator %1 created: they can sign in now.</source>
        <translation>Operatore %1 creato: può accedere subito.</translation>
    </message>
    <message>
        <source>Deactivate operator</source>
        <translation>Disattiva operatore</translation>
    </message>
    <message>
        <source>Deactivate %1? They are signed out at once and can no longer sign in.</source>
        <translation>Disattivare %1? Viene disconnesso subito e non potrà più accedere.</translation>
    </message>
    <message>
        <source>%1 is deactivated.</source>
        <translation>%1 è disattivato.</translation>
    </message>
    <message>
        <source>%1 is signed out everywhere (%2 access tokens revoked).</source>
        <translation>%1 è disconnesso ovunque (%2 token di accesso revocati).</translation>
    </message>
</context>
<context>
    <name>ProfileSwitcher</name>
    <message>
        <source>Server profiles</source>
        <translation>Profili dei server</translation>
    </message>
    <message>
        <source>Servers:</source>
        <translation>Server:</translation>
    </message>
    <message>
        <source>%1 (%2)</source>
        <translation>%1 (%2)</translation>
    </message>
    <message>
        <source>%1: %2</source>
        <translation>%1: %2</translation>
    </message>
    <message numerus="yes">
        <source>%n unread message(s), %1</source>
        <translation>
            <numerusform>%n messaggio non letto, %1</numerusform>
            <numerusform>%n messaggi non letti, %1</numerusform>
        </translation>
    </message>
    <message>
        <source>This computer</source>
        <translation>Questo computer</translation>
    </message>
    <message>
        <source>not connected</source>
        <translation>non connesso</translation>
    </message>
    <message>
        <source>connected</source>
        <translation>connesso</translation>
    </message>
    <message>
        <source>connecting…</source>
        <translation>connessione…</translation>
    </message>
    <message>
        <source>reconnecting…</source>
        <translation>riconnessione…</translation>
    </message>
    <message>
        <source>offline, retrying</source>
        <translation>non in linea, nuovo tentativo in corso</translation>
    </message>
    <message>
        <source>signed out by the server</source>
        <translation>disconnesso dal server</translation>
    </message>
    <message>
        <source>%1, on screen</source>
        <translation>%1, in primo piano</translation>
    </message>
</context>
<context>
    <name>ServerProfilesTab</name>
    <message>
        <source>Server profiles</source>
        <translation>Profili dei server</translation>
    </message>
    <message>
        <source>Add…</source>
        <translation>Aggiungi…</translation>
    </message>
    <message>
        <source>Log out</source>
        <translation>Esci dall&apos;account</translation>
    </message>
    <message>
        <source>Remove</source>
        <translation>Rimuovi</translation>
    </message>
    <message>
        <source>Passwords are never stored; access tokens are kept in the system keyring.</source>
        <translation>Le password non vengono mai salvate; i token di accesso sono custoditi nel portachiavi di sistema.</translation>
    </message>
    <message>
        <source>Passwords are never stored.</source>
        <translation>Le password non vengono mai salvate.</translation>
    </message>
    <message>
        <source>The sign-in to the server on this computer is kept in the file %1, readable only by you, beside the local database (which holds all its messages anyway), because no system keyring could keep it.</source>
        <translation>L&apos;accesso al server di questo computer è conservato nel file %1, leggibile solo da te, accanto al database locale (che contiene comunque tutti i suoi messaggi), perché nessun portachiavi di sistema poteva custodirlo.</translation>
    </message>
    <message>
        <source>Access tokens of other servers are kept in the system keyring.</source>
        <translation>I token di accesso degli altri server sono custoditi nel portachiavi di sistema.</translation>
    </message>
    <message>
        <source>This computer (local server)</source>
        <translation>Questo computer (server locale)</translation>
    </message>
    <message>
        <source>%1 — %2 on %3</source>
        <translation>%1 — %2 su %3</translation>
    </message>
    <message>
        <source>(sign-in needed)</source>
        <translation>(serve l&apos;accesso)</translation>
    </message>
    <message>
        <source>Add a server</source>
        <translation>Aggiungi un server</translation>
    </message>
    <message>
        <source>Cannot log out: %1.</source>
        <translation>Impossibile disconnettersi: %1.</translation>
    </message>
    <message>
        <source>Remove server</source>
        <translation>Rimuovi il server</translation>
    </message>
    <message>
        <source>Remove the server profile %1 and log out of it?</source>
        <translation>Rimuovere il profilo server %1 e uscire dal suo account?</translation>
    </message>
</context>
<context>
    <name>SettingsDialog</name>
    <message>
        <source>Sportello: settings</source>
        <translation>Sportello: impostazioni</translation>
    </message>
    <message>
        <source>Servers</source>
        <translation>Server</translation>
    </message>
    <message>
        <source>Notifications</source>
        <translation>Notifiche</translation>
    </message>
    <message>
        <source>Local server</source>
        <translation>Server locale</translation>
    </message>
    <message>
        <source>General</source>
        <translation>Generale</translation>
    </message>
    <message>
        <source>Error</source>
        <translation>Errore</translation>
    </message>
    <message>
        <source>Save</source>
        <translation>Salva</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>Annulla</translation>
    </message>
    <message>
        <source>Show a desktop notification for new messages</source>
        <translation>Mostra una notifica sul desktop per i nuovi messaggi</translation>
    </message>
    <message>
        <source>Only for messages that open a new ticket</source>
        <translation>Solo per i messaggi che aprono un nuovo ticket</translation>
    </message>
    <message>
        <source>Play a sound</source>
        <translation>Riproduci un suono</translation>
    </message>
    <message>
        <source>Volume</source>
        <translation>Volume</translation>
    </message>
    <message>
        <source>Quiet hours: no sound between</source>
        <translation>Ore di silenzio: nessun suono tra le</translation>
    </message>
    <message>
        <source>Quiet hours start</source>
        <translation>Inizio delle ore di silenzio</translation>
    </message>
    <message>
        <source>Quiet hours end</source>
        <translation>Fine delle ore di silenzio</translation>
    </message>
    <message>
        <source>and</source>
        <translation>e le</translation>
    </message>
    <message>
        <source>Remind me of tickets nobody has opened</source>
        <translation>Ricordami i ticket che nessuno ha aperto</translation>
    </message>
    <message>
        <source>URGENT, every</source>
        <translation>Urgente, ogni</translation>
    </message>
    <message>
        <source>High, every</source>
        <translation>Alta, ogni</translation>
    </message>
    <message>
        <source>Medium, every</source>
        <translation>Media, ogni</translation>
    </message>
    <message>
        <source>Low, every</source>
        <translation>Bassa, ogni</translation>
    </message>
    <message>
        <source> s</source>
        <translation> s</translation>
    </message>
    <message>
        <source>never</source>
        <translation>mai</translation>
    </message>
    <message>
        <source>URGENT reminders ring even when paused or in quiet hours</source>
        <translation>I promemoria URGENTI suonano anche in pausa e nelle ore di silenzio</translation>
    </message>
    <message>
        <source>built-in Italian rules</source>
        <translation>regole italiane incluse</translation>
    </message>
    <message>
        <source>Ticket rules file</source>
        <translation>File delle regole dei ticket</translation>
    </message>
    <message>
        <source>Browse…</source>
        <translation>Sfoglia…</translation>
    </message>
    <message>
        <source>Rules file error</source>
        <translation>Errore nel file delle regole</translation>
    </message>
    <message>
        <source>Port</source>
        <translation>Porta</translation>
    </message>
    <message>
        <source>Changes to the rules file or the port restart the local server.</source>
        <translation>Se cambi il file delle regole o la porta, il server locale si riavvia.</translation>
    </message>
    <message>
        <source>WhatsApp gateway</source>
        <translation>Gateway WhatsApp</translation>
    </message>
    <message>
        <source>Connect WhatsApp…</source>
        <translation>Collega WhatsApp…</translation>
    </message>
    <message>
        <source>Only an administrator can change the ticket rules, the port and the webhook secret of the local server.</source>
        <translation>Solo un amministratore può cambiare le regole dei ticket, la porta e il segreto del webhook del server locale.</translation>
    </message>
    <message>
        <source>Start Sportello when I log in to this computer</source>
        <translation>Avvia Sportello quando accedo a questo computer</translation>
    </message>
    <message>
        <source>Language</source>
        <translation>Lingua</translation>
    </message>
    <message>
        <source>System language</source>
        <translation>Lingua del sistema</translation>
    </message>
    <message>
        <source>The window reopens in the chosen language when you save.</source>
        <translation>Quando salvi, la finestra si riapre nella lingua scelta.</translation>
    </message>
    <message>
        <source>TOML files (*.toml);;All files (*)</source>
        <translation>File TOML (*.toml);;Tutti i file (*)</translation>
    </message>
    <message>
        <source>Reminder interval (%1): %2</source>
        <translation>Intervallo del promemoria (%1): %2</translation>
    </message>
    <message>
        <source>Start at login: %1.</source>
        <translation>Avvio all&apos;accesso: %1.</translation>
    </message>
</context>
<context>
    <name>ThreadModel</name>
    <message>
        <source>You</source>
        <translation>Tu</translation>
    </message>
    <message>
        <source>%1 at %2: %3</source>
        <translation>%1 alle %2: %3</translation>
    </message>
</context>
<context>
    <name>ThreadPane</name>
    <message>
        <source>Conversation</source>
        <translation>Conversazione</translation>
    </message>
    <message>
        <source>Contact name</source>
        <translation>Nome del contatto</translation>
    </message>
    <message>
        <source>Contact phone number</source>
        <translation>Numero di telefono del contatto</translation>
    </message>
    <message>
        <source>Typing indicator</source>
        <translation>Indicatore di scrittura</translation>
    </message>
    <message>
        <source>Loading older messages…</source>
        <translation>Caricamento dei messaggi meno recenti…</translation>
    </message>
    <message>
        <source>Loading older messages</source>
        <translation>Caricamento dei messaggi meno recenti</translation>
    </message>
    <message>
        <source>Choose a conversation on the left.

Ctrl+K searches, Alt+Up and Alt+Down move between conversations, Ctrl+Shift+U jumps to the next unread one.</source>
        <translation>Scegli una conversazione a sinistra.

Ctrl+K per cercare, Alt+Su e Alt+Giù per passare da una conversazione all&apos;altra, Ctrl+Maiusc+U per andare alla prossima non letta.</translation>
    </message>
    <message>
        <source>No conversation open</source>
        <translation>Nessuna conversazione aperta</translation>
    </message>
    <message>
        <source>Group chat</source>
        <translation>Chat di gruppo</translation>
    </message>
    <message>
        <source>%1 is typing…</source>
        <translation>%1 sta scrivendo…</translation>
    </message>
    <message>
        <source>A colleague is writing a reply…</source>
        <translation>Un collega sta scrivendo una risposta…</translation>
    </message>
</context>
<context>
    <name>ThreadView</name>
    <message>
        <source>Messages</source>
        <translation>Messaggi</translation>
    </message>
    <message>
        <source>Retry sending</source>
        <translation>Riprova a inviare</translation>
    </message>
    <message>
        <source>Message actions</source>
        <translation>Azioni sul messaggio</translation>
    </message>
    <message>
        <source>Copy text</source>
        <translation>Copia il testo</translation>
    </message>
    <message>
        <source>Create a ticket from this message</source>
        <translation>Crea un ticket da questo messaggio</translation>
    </message>
</context>
<context>
    <name>TicketController</name>
    <message>
        <source>This server does not allow editing tickets from here.</source>
        <translation>Questo server non permette di modificare i ticket da qui.</translation>
    </message>
    <message>
        <source>This server cannot create tickets from the console.</source>
        <translation>Questo server non può creare ticket dalla console.</translation>
    </message>
    <message>
        <source>Create a ticket from the selected message</source>
        <translation>Crea un ticket dal messaggio selezionato</translation>
    </message>
    <message>
        <source>The ticket was not changed: %1.</source>
        <translation>Il ticket non è stato modificato: %1.</translation>
    </message>
    <message>
        <source>No ticket was created: %1.</source>
        <translation>Nessun ticket è stato creato: %1.</translation>
    </message>
    <message>
        <source>This contact already has an open ticket: resolve or close it first.</source>
        <translation>Questo contatto ha già un ticket aperto: prima risolvilo o chiudilo.</translation>
    </message>
    <message>
        <source>Select a message of the customer first.</source>
        <translation>Seleziona prima un messaggio del cliente.</translation>
    </message>
    <message>
        <source>Ticket #%1 created</source>
        <translation>Ticket n. %1 creato</translation>
    </message>
</context>
<context>
    <name>TicketPane</name>
    <message>
        <source>Ticket</source>
        <translation>Ticket</translation>
    </message>
    <message>
        <source>Ticket number and title</source>
        <translation>Numero e titolo del ticket</translation>
    </message>
    <message>
        <source>Ticket dates</source>
        <translation>Date del ticket</translation>
    </message>
    <message>
        <source>Ticket status</source>
        <translation>Stato del ticket</translation>
    </message>
    <message>
        <source>Ticket priority</source>
        <translation>Priorità del ticket</translation>
    </message>
    <message>
        <source>Ticket assignee</source>
        <translation>Assegnatario del ticket</translation>
    </message>
    <message>
        <source>Ticket error</source>
        <translation>Errore del ticket</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>Stato</translation>
    </message>
    <message>
        <source>Priority</source>
        <translation>Priorità</translation>
    </message>
    <message>
        <source>Assignee</source>
        <translation>Assegnatario</translation>
    </message>
    <message>
        <source>This conversation has no ticket.</source>
        <translation>Questa conversazione non ha un ticket.</translation>
    </message>
    <message>
        <source>No ticket</source>
        <translation>Nessun ticket</translation>
    </message>
    <message>
        <source>New ticket from message</source>
        <translation>Nuovo ticket dal messaggio</translation>
    </message>
    <message>
        <source>Create a ticket from the selected message</source>
        <translation>Crea un ticket dal messaggio selezionato</translation>
    </message>
    <message>
        <source>Ticket history</source>
        <translation>Storico del ticket</translation>
    </message>
    <message>
        <source>Other tickets of this contact</source>
        <translation>Altri ticket di questo contatto</translation>
    </message>
    <message>
        <source>History</source>
        <translation>Storico</translation>
    </message>
    <message>
        <source>#%1 %2</source>
        <translation>n. %1 %2</translation>
    </message>
    <message>
        <source>Opened %1, updated %2</source>
        <translation>Aperto %1, aggiornato %2</translation>
    </message>
    <message>
        <source>Nobody</source>
        <translation>Nessuno</translation>
    </message>
    <message>
        <source>Operator %1</source>
        <translation>Operatore %1</translation>
    </message>
    <message>
        <source>Me (%1)</source>
        <translation>Io (%1)</translation>
    </message>
    <message>
        <source>Me</source>
        <translation>Io</translation>
    </message>
    <message>
        <source>Only an administrator can take a ticket from its assignee.</source>
        <translation>Solo un amministratore può togliere un ticket a chi ne è assegnatario.</translation>
    </message>
    <message>
        <source>#%1 %2 (%3)</source>
        <translation>n. %1 %2 (%3)</translation>
    </message>
</context>
<context>
    <name>TrayIcon</name>
    <message>
        <source>Open Sportello</source>
        <translation>Apri Sportello</translation>
    </message>
    <message>
        <source>Pause notifications</source>
        <translation>Sospendi le notifiche</translation>
    </message>
    <message>
        <source>For 1 hour</source>
        <translation>Per 1 ora</translation>
    </message>
    <message>
        <source>Until tomorrow (08:00)</source>
        <translation>Fino a domani (08:00)</translation>
    </message>
    <message>
        <source>Resume notifications</source>
        <translation>Riattiva le notifiche</translation>
    </message>
    <message>
        <source>Restart the server</source>
        <translation>Riavvia il server</translation>
    </message>
    <message>
        <source>Quit Sportello</source>
        <translation>Esci da Sportello</translation>
    </message>
    <message>
        <source>Notifications paused until %1</source>
        <translation>Notifiche sospese fino alle %1</translation>
    </message>
    <message>
        <source>No unread messages</source>
        <translation>Nessun messaggio non letto</translation>
    </message>
    <message numerus="yes">
        <source>%n unread message(s)</source>
        <translation>
            <numerusform>%n messaggio non letto</numerusform>
            <numerusform>%n messaggi non letti</numerusform>
        </translation>
    </message>
    <message>
        <source>Sportello</source>
        <translation>Sportello</translation>
    </message>
    <message>
        <source>An URGENT ticket is waiting for an answer</source>
        <translation>Un ticket URGENTE aspetta una risposta</translation>
    </message>
</context>
<context>
    <name>labels</name>
    <message>
        <source>typing…</source>
        <translation>sta scrivendo…</translation>
    </message>
    <message>
        <source>You: %1</source>
        <translation>Tu: %1</translation>
    </message>
    <message>
        <source>Not sent</source>
        <translation>Non inviato</translation>
    </message>
    <message>
        <source>Message</source>
        <translation>Messaggio</translation>
    </message>
    <message>
        <source>Contact</source>
        <translation>Contatto</translation>
    </message>
    <message>
        <source>Ticket</source>
        <translation>Ticket</translation>
    </message>
    <message>
        <source>Arrived while Sportello was offline</source>
        <translation>Arrivato mentre Sportello era offline</translation>
    </message>
    <message>
        <source>Sent from the phone while Sportello was offline</source>
        <translation>Inviato dal telefono mentre Sportello era offline</translation>
    </message>
    <message>
        <source>Not sent: %1. Press Ctrl+R or right-click to retry.</source>
        <translation>Non inviato: %1. Premi Ctrl+R o fai clic destro per riprovare.</translation>
    </message>
    <message>
        <source>Unread messages</source>
        <translation>Messaggi non letti</translation>
    </message>
    <message>
        <source>Unknown contact</source>
        <translation>Contatto sconosciuto</translation>
    </message>
    <message>
        <source>Unsupported message</source>
        <translation>Messaggio non supportato</translation>
    </message>
    <message>
        <source>Unsupported message (%1)</source>
        <translation>Messaggio non supportato (%1)</translation>
    </message>
</context>
</TS>
