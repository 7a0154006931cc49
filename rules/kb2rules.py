#!/usr/bin/env python3
"""kb2rules.py - one-off generator of rules/50-causes.rules, 55-providers.rules,
57-blocklists.rules and tests/unit/classify/kb_cases.h from the facts in
../shared/kb (codes, markers, zones, URLs) and the texts written below.
The generated .rules files are the source of truth; edit them by hand and
re-run this only to regenerate from scratch (it overwrites them)."""
# category id: (name, about, checks, fixes, retry-advice, who, related, links)
C = {}
def cat(i, name, about, checks, fixes, retry, who, related=(), links=()):
    C[i] = (name, about, checks, fixes, retry, who, related, links)

cat("blocklist", "The sending IP or domain is on a blocklist",
 "The receiving server looked up your sending IP address (or a domain in the message) in a blocklist it trusts and found it listed, so it refused the mail. Nothing is wrong with the recipient's address.",
 ["Find the IP that actually connected: it is in the bounce text or in the Received header your own server added on the way out.",
  "Look the IP up on the list the bounce names (bouncekit check ip IP), from a resolver of your own: public resolvers get refusals, not answers, from several lists.",
  "Read why it was listed and search your outgoing logs for the source: a hijacked account, an infected host behind the same NAT, an abused web form, a bought list."],
 ["Stop whatever sent the unwanted mail before you ask for removal; a list that sees the same traffic again relists quickly.",
  "Send mail only from your mail servers: block outgoing port 25 for everything else.",
  "Ask the list for removal on its own site (see the blocklist below); some lists only let entries expire.",
  "On a dynamic or end-user address, relay through your provider's smarthost instead of sending directly."],
 "Do not resend while listed: each attempt is refused the same way. After removal wait for the receiver's DNS cache (minutes to a day), then flush the queue.",
 "the sender's mail administrator or ESP", ["reputation", "outbound-abuse", "reverse-dns"],
 ["https://www.rfc-editor.org/rfc/rfc6471"])
cat("reputation", "The receiver does not trust the sending IP or domain",
 "The receiver judged the sending IP or domain by its own reputation data (complaints, spam traps, volume, history) and deferred or refused the mail. It is not a public list, so there is nothing to look up and usually no form that removes the block at once.",
 ["Check the receiver's sender tools for your IP and domain: complaint rate, trap hits, spam rate (Google Postmaster Tools, Microsoft SNDS, Yahoo Sender Hub).",
  "Look for a recent change: a new IP, a jump in volume, a new list or a campaign with many complaints.",
  "Confirm SPF, DKIM and DMARC pass and that reverse DNS is correct: unauthenticated mail starts with no reputation."],
 ["Send only to people who asked for the mail; remove addresses that bounce or never engage.",
  "Lower the volume and concurrency towards this receiver and raise it slowly (warm-up) on new IPs and domains.",
  "Make unsubscribing easy (List-Unsubscribe with one-click) so recipients do not press the spam button.",
  "If the block persists for days, open a request with the receiver's sender support."],
 "Temporary deferrals clear by themselves when the queue retries with back-off; a permanent refusal only after the reputation has recovered or the receiver lifts it.",
 "the sender", ["blocklist", "rate-limit", "content-spam"])
cat("authentication-spf", "SPF failed",
 "The receiver checked the envelope sender's domain against its SPF record and the sending IP was not authorised (or the record could not be evaluated), so it refused the mail.",
 ["Evaluate the record for the IP that connected: bouncekit check spf DOMAIN --ip IP.",
  "Make sure the record has at most 10 DNS-querying terms and no syntax errors, and that there is exactly one SPF record.",
  "Find out which domain was checked: the MAIL FROM (Return-Path) domain, or the HELO name when MAIL FROM is empty."],
 ["Add the sending service or IP to the SPF record of the envelope domain (include:, ip4:, ip6:).",
  "Flatten or trim includes when the record exceeds the 10-lookup limit.",
  "When the mail is forwarded, rely on DKIM and ask the forwarder to rewrite the envelope sender (SRS)."],
 "Fix the record first; retrying with the same record fails the same way. Once DNS has the fix (after the record's TTL) resend.",
 "the sender's domain administrator", ["authentication-dmarc", "authentication-multiple"],
 ["https://www.rfc-editor.org/rfc/rfc7208"])
cat("authentication-dkim", "DKIM is missing or failed",
 "The receiver wanted a valid DKIM signature from the sending domain and found none, or the signature did not verify.",
 ["Check that outgoing mail carries a DKIM-Signature and which domain (d=) and selector (s=) it names.",
  "Look up the public key at SELECTOR._domainkey.DOMAIN and compare it with the signing key.",
  "Look for something that changes the message after signing: a footer, a rewriting gateway, line-length changes."],
 ["Turn on DKIM signing for the sending domain at your mail server or ESP and publish its key.",
  "Use keys of at least 1024 bits (2048 is better) and sign with the domain in the From header.",
  "Sign last: after any system that modifies the message."],
 "Resend after signing works; until then the same mail is refused again.",
 "the sender's domain administrator", ["authentication-dmarc", "authentication-spf"],
 ["https://www.rfc-editor.org/rfc/rfc6376"])
cat("authentication-dmarc", "DMARC failed",
 "The From domain publishes a DMARC policy that asks receivers to reject mail that is neither SPF- nor DKIM-authenticated in alignment with the From domain, and this message was not.",
 ["Read the From domain's DMARC record: bouncekit check domain DOMAIN.",
  "Check that SPF passes for a domain that matches the From domain, or that DKIM signs with d= matching it.",
  "Use the domain's DMARC aggregate reports to find every service that sends in its name."],
 ["Make every service that sends as your domain sign with DKIM for your domain (aligned d=) or use a return path in your domain.",
  "Move to p=reject only after the reports show all legitimate sources pass.",
  "If a third party sends as your domain without authorisation, that rejection is DMARC working as intended."],
 "Resend once alignment is fixed; the same message is rejected until then.",
 "the owner of the From domain", ["authentication-spf", "authentication-dkim"],
 ["https://www.rfc-editor.org/rfc/rfc7489"])
cat("authentication-multiple", "The message is not authenticated",
 "The receiver requires each message to pass SPF or DKIM (bulk senders: both, plus DMARC) and this one did not pass enough of them.",
 ["Check SPF for the sending IP and the DKIM signature of a sample message (the receiver's Authentication-Results header shows both).",
  "Check the receiver's published sender requirements: large senders have to meet all of them."],
 ["Publish SPF for the envelope domain and sign with DKIM for the From domain.",
  "Publish a DMARC record (p=none at least) for the From domain."],
 "Resend after SPF and DKIM pass.",
 "the sender's domain administrator", ["authentication-spf", "authentication-dkim", "authentication-dmarc", "bulk-sender-requirements"])
cat("reverse-dns", "The sending IP has no proper reverse DNS",
 "The receiver refuses mail from IP addresses without a PTR record, or whose PTR name does not resolve back to the same address.",
 ["Look up the PTR of the sending IP and the A/AAAA of that name: bouncekit check ip IP.",
  "Check that the HELO name the server announces is the same fully qualified name."],
 ["Ask whoever owns the IP range (hosting provider, ISP) to set a PTR to your mail server's name.",
  "Make that name resolve to the same IP, and use it as the HELO name."],
 "Resend after the PTR is published and cached answers have expired.",
 "the sender's network or hosting provider", ["blocklist", "reputation"])
cat("content-spam", "The content looks like spam",
 "The receiver's filter scored this message as spam (its text, links, attachments, or the way it is built) and refused it. The address may be fine.",
 ["Look at what the message links to: a domain on a URI blocklist or a URL shortener can block the whole message.",
  "Send the same message to a test mailbox you control and read the spam-filter headers.",
  "Compare with messages that were delivered: what is different?"],
 ["Remove or replace links to listed or shortened domains; link to your own domain.",
  "Send a plain, honest message with a text part; avoid attachments the recipient did not expect.",
  "Authenticate the mail (SPF, DKIM, DMARC): filters trust authenticated mail more."],
 "Resending the same content fails again; change the message first.",
 "the sender", ["reputation", "virus-malware"])
cat("virus-malware", "A virus or dangerous attachment was found",
 "The receiver found malware or an attachment type it does not accept (executables, macros, some archives) and refused the message.",
 ["Find out which attachment was flagged and scan it with an up-to-date scanner.",
  "Check whether the sending machine or account is compromised."],
 ["Remove the attachment or share the file through a link instead.",
  "Clean the infected machine and change the account's password if it sent mail you did not write."],
 "Do not resend the same attachment.",
 "the sender", ["content-spam", "outbound-abuse"])
cat("message-format", "The message is malformed",
 "The message breaks the Internet Message Format rules the receiver enforces: missing or duplicate headers (Message-ID, Date, From), bad encoding, overlong lines or an invalid address syntax.",
 ["Look at the raw message headers of a copy: one From, one Date, one Message-ID, valid address syntax.",
  "Check the program or library that builds the message."],
 ["Fix the software that generates the message so every message has the required headers exactly once.",
  "Encode non-ASCII text (MIME, RFC 2047) and keep lines under 998 bytes."],
 "Resend after the generator is fixed; the same bytes are refused again.",
 "the sender's application or mail software", ["content-spam"],
 ["https://www.rfc-editor.org/rfc/rfc5322"])
cat("recipient-policy", "The recipient's own policy refused it",
 "The receiving organisation has a rule against this sender or this kind of mail (an allow list, a blocked sender entry, a group that accepts only members, a content policy). It is their decision, not a technical fault on your side.",
 ["Read the text: it often names the rule (sender blocked, not authenticated for the group, policy violation).",
  "Check whether other recipients at the same domain receive your mail."],
 ["Ask the recipient, through another channel, to allow your address or domain.",
  "For a group or a list that accepts only members or authenticated senders, send from an allowed address."],
 "Do not retry until the recipient has changed the rule.",
 "the recipient", ["tenant-configuration"])
cat("invalid-recipient", "The address does not exist",
 "The receiving server says this mailbox does not exist (or the address is malformed). The address itself is bad.",
 ["Check the address for typos, especially in the domain.",
  "Check when it last received mail from you: old addresses get removed."],
 ["Remove the address from your lists (suppress it).",
  "Ask the person for a current address through another channel."],
 "Never retry: a nonexistent address stays nonexistent, and repeated attempts hurt your reputation.",
 "the recipient (the address is bad)", ["mailbox-disabled"])
cat("mailbox-full", "The mailbox is full",
 "The recipient's mailbox is over its storage quota. The address exists.",
 ["Look at how long the mailbox has been full: a mailbox that is full for weeks is usually abandoned."],
 ["Nothing to fix on your side; let the queue retry.",
  "If the same address keeps bouncing as full for weeks, treat it as inactive and stop sending."],
 "Retry later (hours); the recipient has to make room.",
 "the recipient", ["mailbox-disabled"])
cat("mailbox-disabled", "The mailbox is disabled or inactive",
 "The address exists but the provider has disabled or suspended it, often because it was not used for a long time.",
 ["Check when the address last opened or replied to your mail."],
 ["Stop sending to it; suppress it like an unknown address after a few such bounces.",
  "Ask the person for a current address through another channel."],
 "Do not retry soon; a disabled mailbox rarely comes back.",
 "the recipient", ["invalid-recipient"])
cat("relay-denied", "The server refused to relay",
 "The server that answered is not the recipient's mail server and will not pass the message on for you, or your client did not authenticate before sending through it.",
 ["Check the MX records of the recipient domain: did your server connect to the right host?",
  "If you send through a provider's server, check that your client logs in (SMTP AUTH) before sending."],
 ["Deliver to the recipient domain's MX hosts, or relay through a server that accepts you.",
  "Turn on SMTP authentication in the mail client or application."],
 "Resend after the routing or login is fixed.",
 "the sender's mail administrator", ["smtp-auth-credentials", "tenant-configuration"])
cat("rate-limit", "Too much mail too fast",
 "The receiver limits how many messages, recipients or connections it accepts from one sender in a period, and you went over the limit.",
 ["See how much you sent to this receiver in the last hour and over how many connections.",
  "Check whether the limit is per sender, per IP or per recipient mailbox (the text often says)."],
 ["Slow down: fewer connections, fewer messages per connection, spread large sends over time.",
  "Warm up new IPs and domains gradually."],
 "Retry later with back-off; the queue usually succeeds once the rate drops.",
 "the sender", ["reputation"])
cat("tls-required", "An encrypted connection was required",
 "The receiver (or a policy such as MTA-STS or DANE) requires TLS, or TLS of a minimum version or strength, and the connection did not meet it.",
 ["Check that your server offers STARTTLS with TLS 1.2 or newer and current ciphers.",
  "If the text names MTA-STS or DANE, compare the receiver's policy and certificates with the host you connected to."],
 ["Enable TLS for outgoing mail and keep the TLS library up to date.",
  "Do not disable certificate checking to get around a policy failure."],
 "Resend after TLS works; a 4xx failure is retried by the queue.",
 "the sender's mail administrator (or the receiver when its own certificate is wrong)", ["network-firewall"])
cat("message-too-large", "The message is too large",
 "The message is bigger than the receiver accepts.",
 ["Check the size of the message as sent (attachments grow by a third when encoded)."],
 ["Send large files as a link instead of an attachment.",
  "Compress or split the content."],
 "Do not resend the same message.",
 "the sender", [])
cat("greylisting", "Greylisting: try again later",
 "The receiver deliberately deferred the first attempt from an unknown sender to see whether it retries, as real mail servers do.",
 ["Nothing to check unless retries keep failing for hours."],
 ["Let the queue retry; keep the same sending IP between attempts."],
 "Retry later (minutes); a normal queue does this by itself.",
 "nobody: the queue handles it", ["rate-limit"])
cat("network-firewall", "The receiver could not be reached",
 "The connection to the receiving server failed or was refused: a firewall, a network outage, or a server that does not accept connections from your network or over this protocol (for example IPv6).",
 ["Try to connect to the receiver's MX on port 25 from the sending host.",
  "Check whether outgoing port 25 is blocked by your provider."],
 ["Fix outgoing connectivity, or relay through a host that can reach the receiver.",
  "Send over IPv4 when the receiver does not accept IPv6."],
 "Retry later; network faults are usually temporary.",
 "the network (the sender's or the receiver's)", ["tls-required"])
cat("sender-domain-invalid", "The sender's domain is not valid",
 "The receiver could not verify the sender's domain: it does not resolve, has no MX or address records, or publishes a null MX (RFC 7505), so replies could not be delivered.",
 ["Look up the envelope sender's domain: MX and A/AAAA records (bouncekit check domain DOMAIN).",
  "Check for typos in the From and Return-Path domains of the sending application."],
 ["Use a sender domain that exists and can receive mail (a working MX).",
  "Fix the DNS of the domain if it has lapsed or was misconfigured."],
 "Resend after the domain resolves.",
 "the sender's domain administrator", ["authentication-spf"])
cat("expired-timeout", "Delivery gave up after retrying",
 "Your server kept the message in its queue and tried again for its whole retry period, but each attempt failed temporarily, so it gave up.",
 ["Read the last error that the queue recorded for this recipient: it names the real problem.",
  "Check whether other mail to the same domain is delivered."],
 ["Fix the underlying problem (connectivity, blocks, DNS) and send again.",
  "Domains that never answer are often dead: suppress them after repeated expiries."],
 "Resend once the cause is fixed; a new attempt restarts the retry clock.",
 "depends on the last error", ["network-firewall", "receiver-system-error"])
cat("protocol-error", "SMTP protocol or syntax error",
 "The receiving server did not accept a command or its arguments: a bad HELO name, a malformed address, an unsupported extension, or commands out of order.",
 ["Read which command failed (the text usually says) and look at what your server sent for it.",
  "Check the HELO/EHLO name: it should be a fully qualified domain name that resolves."],
 ["Fix the sending software's configuration (HELO name, address syntax).",
  "Update mail software that speaks SMTP incorrectly."],
 "Resend after the fix; the same session fails again.",
 "the sender's mail administrator", ["message-format"],
 ["https://www.rfc-editor.org/rfc/rfc5321"])
cat("smtp-auth-credentials", "SMTP login failed or was required",
 "The submission server needs you to log in, or the username, password or method was refused.",
 ["Check the username and password the application uses for SMTP.",
  "Some providers need an app password or OAuth instead of the account password."],
 ["Configure SMTP authentication with valid credentials and a method the server accepts, over TLS.",
  "Create an app password when the account uses two-factor login."],
 "Resend after the login works.",
 "the sender", ["relay-denied"])
cat("outbound-abuse", "The sending account was stopped",
 "Your own mail provider stopped or limited the sending account because it sent too much or looked abused (spam from a stolen password, a script gone wrong).",
 ["Look at what the account sent recently and from where.",
  "Check for a compromised password or application."],
 ["Secure the account: change the password, remove unknown forwarding rules and app passwords.",
  "Ask your provider to lift the restriction once the cause is gone."],
 "Wait for the provider to lift the block; retries fail until then.",
 "the sender", ["blocklist", "reputation"])
cat("tenant-configuration", "Mail system configuration problem",
 "A hosted mail system (for example a Microsoft 365 tenant) is configured in a way that breaks delivery: connectors, accepted domains or routing that do not match the message.",
 ["Check the connectors and accepted domains of the tenant that sent or received the message."],
 ["Fix the tenant's connector or domain configuration; the administrator of that tenant has to do it."],
 "Resend after the configuration is fixed.",
 "the administrator of the mail system named in the bounce", ["relay-denied", "recipient-policy"])
cat("routing-loop", "Mail loop",
 "The message passed through too many servers or came back to one it had already visited, usually because two systems forward to each other.",
 ["Read the Received headers of the bounced copy to see where it loops."],
 ["Fix the forwarding or MX configuration that sends the message round in circles."],
 "Resend after the loop is broken.",
 "the administrators of the systems in the loop", [])
cat("receiver-system-error", "The receiving system had a problem",
 "The receiving server reported an internal error, overload or unavailable resource. The problem is on their side.",
 ["Check whether mail to other recipients at the same domain fails the same way."],
 ["Nothing to fix on your side; let the queue retry.",
  "If it persists for days, contact the receiving domain's postmaster."],
 "Retry later; these errors are usually temporary.",
 "the receiver", ["expired-timeout"])
cat("bulk-sender-requirements", "Bulk-sender rules not met",
 "Large mailbox providers set extra rules for senders of many messages: SPF and DKIM and DMARC, aligned From, one-click unsubscribe, low spam complaint rates. This mail did not meet them.",
 ["Compare your setup with the provider's published sender requirements.",
  "Check the spam complaint rate in the provider's sender tools."],
 ["Authenticate with SPF and DKIM, publish DMARC, and align the From domain.",
  "Add List-Unsubscribe and List-Unsubscribe-Post headers and honour requests within two days.",
  "Keep complaints low by mailing only people who asked for it."],
 "Resend after the requirements are met.",
 "the sender", ["authentication-multiple", "reputation"])
cat("quoted-remote-reply", "A relay is passing on another server's answer",
 "The bounce comes from a relay or gateway in between, which quotes the answer of the server after it. The quoted answer is what counts.",
 ["Find the quoted reply in the bounce and read it as the real reason."],
 ["Act on the quoted reply's cause."],
 "As for the quoted reply.",
 "as for the quoted reply", [])
cat("delivered", "Delivered",
 "The report says the message was delivered (or relayed onwards) successfully.",
 ["Nothing to check."], ["Nothing to fix."], "No retry needed.", "nobody")
cat("complaint", "A recipient complained",
 "A recipient marked the message as spam and their provider sent you a complaint report (ARF feedback loop).",
 ["Find the campaign and the list the recipient came from."],
 ["Stop mailing this recipient (suppress the address).",
  "Look at why people complain: unexpected mail, too frequent, hard to unsubscribe."],
 "Never resend to this recipient.",
 "the sender", ["reputation"])
cat("autoreply", "An automatic reply",
 "The recipient's mailbox answered automatically (out of office, vacation, changed address notice). The message was most likely delivered.",
 ["Read the reply: it may give a new address or a return date."],
 ["Nothing to fix; update the address if the reply names a new one."],
 "No retry needed.", "nobody")
cat("undetermined", "Reason not determined",
 "The bounce does not say clearly why delivery failed, or says it in a way bouncekit does not recognise.",
 ["Read the diagnostic text and the status code yourself.",
  "Look at the rest of the bounce: another part may quote the remote server."],
 ["If it happens often for one receiver, add a rule for its wording (bouncekit-rules(5))."],
 "Retry once later if the failure was temporary; otherwise hold the address until the cause is known.",
 "unknown")

# cause id: (name, about, category, responsible, retry, retry_after, reasons)
K = {}
def cause(i, name, about, category, resp, retry, after=0, reasons=()):
    K[i] = (name, about, category, resp, retry, after, reasons)
cause("user.unknown","Unknown recipient","The receiving server has no mailbox for this address.","invalid-recipient","recipient","no",0,["userunknown"])
cause("user.disabled","Mailbox disabled","The mailbox exists but is disabled, suspended or inactive.","mailbox-disabled","recipient","no",0,["suspend"])
cause("user.moved","Recipient has moved","The recipient no longer receives mail here; the server may name a new address.","invalid-recipient","recipient","no",0,["hasmoved"])
cause("user.filtered","Refused for this recipient","The recipient's server refused the mail for this address: a filter or rule of that mailbox, or an address that no longer takes mail.","recipient-policy","recipient","no",0,["filtered"])
cause("address.syntax","Malformed address","The recipient address is not a valid mail address.","invalid-recipient","sender","no")
cause("address.suppressed","Suppressed address","The address is on a suppression list and the mail was not sent.","invalid-recipient","sender","no",0,["suppressed"])
cause("mailbox.full","Mailbox full","The recipient's mailbox is over quota.","mailbox-full","recipient","later",4*3600,["mailboxfull"])
cause("domain.unknown","Recipient domain does not exist","The recipient's domain does not resolve or has no mail server.","invalid-recipient","recipient","no",0,["hostunknown"])
cause("domain.nomx","Recipient domain has no mail server","The recipient's domain exists but has no usable MX or address records.","invalid-recipient","recipient","no")
cause("domain.nullmx","Recipient domain accepts no mail","The recipient's domain says it accepts no mail at all (null MX, RFC 7505).","invalid-recipient","recipient","no",0,["notaccept"])
cause("system.remote","Receiving system error","The receiving server failed internally or was unavailable.","receiver-system-error","recipient","later",3600,["systemerror"])
cause("system.full","Receiving system out of space","The receiving server is out of disk or resources.","receiver-system-error","recipient","later",3600,["systemfull"])
cause("mailer.program","Local delivery program failed","A program on the delivering host (a pipe, a filter, a local mailer) failed.","receiver-system-error","recipient","later",3600,["mailererror"])
cause("delivery.expired","Gave up after retries","The message stayed in the queue too long and was returned.","expired-timeout","unknown","after-fix",0,["expired"])
cause("network.connect","Connection failed","The receiving server could not be reached or dropped the connection.","network-firewall","network","later",1800,["networkerror"])
cause("network.dns","DNS lookup failed","Looking up the recipient's mail servers failed.","network-firewall","network","later",1800)
cause("network.routing","Routing problem","The message could not be routed to the recipient's server.","network-firewall","network","later",1800)
cause("network.loop","Mail loop","The message looped between servers.","routing-loop","recipient","after-fix")
cause("network.ipv6","No mail over IPv6","The receiver does not accept mail over IPv6 from this sender.","network-firewall","sender","after-fix")
cause("network.rdns","Missing reverse DNS","The sending IP has no valid PTR record, or it does not match.","reverse-dns","sender","after-fix",0,["requireptr"])
cause("blocked.ip","Sending IP refused","The receiver refused the sending IP address (a block list, its own block or a policy on the network).","blocklist","sender","after-fix",0,["blocked"])
cause("blocked.helo","HELO name refused","The receiver refused the name the sending server announced in HELO/EHLO.","protocol-error","sender","after-fix")
cause("blocklist.provider","On the provider's own block list","The receiving provider has the sending IP or network on its internal block list.","blocklist","sender","after-fix")
cause("blocklist.microsoft","On Microsoft's block list","Microsoft (Outlook.com, Exchange Online) has the sending IP on its internal block list.","blocklist","sender","after-fix")
for bid,bname in [("spamhaus","Spamhaus"),("barracuda","Barracuda"),("spamcop","SpamCop"),("uceprotect","UCEPROTECT"),("psbl","PSBL"),("mailspike","Mailspike"),("sorbs","SORBS"),("invaluement","Invaluement"),("0spam","0spam"),("abusix","Abusix"),("truncate","Truncate"),("nixspam","NiX Spam"),("s5h","S5H"),("cloudmark","Cloudmark"),("senderscore","Sender Score"),("proofpoint","Proofpoint")]:
    cause("blocklist."+bid,"Listed on "+bname,"The sending IP or domain is listed on the "+bname+" blocklist the receiver uses.","blocklist","sender","after-fix")
cause("blocklist.uri","Link domain listed","A domain linked in the message is on a URI blocklist (SURBL, URIBL, Spamhaus DBL).","blocklist","sender","after-fix")
cause("reputation.ip","Poor sender reputation","The receiver does not trust the sending IP or domain, by its own data.","reputation","sender","after-fix",0,["badreputation"])
cause("reputation.complaints","Too many complaints","Recipients at this provider complained about the sender's mail too often.","reputation","sender","after-fix")
cause("rate.limit","Sending too fast","The sender went over the receiver's message or recipient rate limit.","rate-limit","sender","later",3600,["speeding"])
cause("rate.connections","Too many connections","The sender opened more connections than the receiver allows.","rate-limit","sender","later",900,["toomanyconn"])
cause("rate.recipient","Recipient receives too fast","This recipient's mailbox is receiving mail faster than its provider allows.","rate-limit","recipient","later",3600)
cause("greylist.deferred","Greylisted","The receiver deferred the first attempt on purpose; a retry passes.","greylisting","unknown","later",600)
cause("auth.spf","SPF failed","The sending IP is not authorised by the SPF record of the envelope domain.","authentication-spf","sender","after-fix")
cause("auth.dkim","DKIM failed or missing","The message lacked a valid DKIM signature the receiver required.","authentication-dkim","sender","after-fix")
cause("auth.dmarc","DMARC failed","The message failed the DMARC policy of its From domain.","authentication-dmarc","sender","after-fix")
cause("auth.failed","Authentication failed","The message did not pass the receiver's SPF, DKIM or DMARC checks.","authentication-multiple","sender","after-fix",0,["authfailure"])
cause("auth.smtp","SMTP login needed or failed","The server wanted an SMTP login, or refused the one given.","smtp-auth-credentials","sender","after-fix")
cause("sender.rejected","Sender refused","The receiver refused the sender address or domain.","recipient-policy","sender","after-fix",0,["rejected"])
cause("sender.domain","Sender domain invalid","The envelope sender's domain does not resolve or cannot receive replies.","sender-domain-invalid","sender","after-fix")
cause("sender.abuse","Sending account restricted","The sender's own provider restricted the account for its sending behaviour.","outbound-abuse","sender","after-fix")
cause("sender.bulk-rules","Bulk-sender requirements not met","The mail did not meet the provider's rules for bulk senders.","bulk-sender-requirements","sender","after-fix")
cause("relay.denied","Relaying refused","The server will not relay for this sender.","relay-denied","sender","after-fix",0,["norelaying"])
cause("tenant.config","Mail system misconfigured","A hosted mail system's configuration (connectors, domains) prevented delivery.","tenant-configuration","unknown","after-fix")
cause("policy.recipient","Recipient's policy","The recipient's organisation has a rule against this sender or message.","recipient-policy","recipient","no")
cause("policy.mailinglist","List or group policy","A mailing list or group accepts mail only from its members or authorised senders.","recipient-policy","sender","no")
cause("policy.security","Security policy","The receiver refused the message under a security policy (authentication or encryption required).","recipient-policy","sender","after-fix",0,["securityerror"])
cause("policy.content","Content policy","The message broke a content policy of the receiver.","recipient-policy","sender","after-fix",0,["policyviolation"])
cause("content.spam","Judged as spam","The receiver's filter classified the message as spam.","content-spam","sender","after-fix",0,["spamdetected"])
cause("content.virus","Malware or forbidden attachment","The receiver found a virus or an attachment type it refuses.","virus-malware","sender","no",0,["virusdetected"])
cause("content.format","Malformed message","The message does not follow the message format rules the receiver enforces.","message-format","sender","after-fix",0,["contenterror","notcompliantrfc"])
cause("message.size","Message too large","The message exceeds the receiver's size limit.","message-too-large","sender","after-fix",0,["mesgtoobig","exceedlimit"])
cause("smtp.syntax","SMTP syntax error","A command or its arguments were not accepted.","protocol-error","sender","after-fix",0,["syntaxerror"])
cause("tls.required","Encryption required","The receiver requires TLS (or stronger TLS) for this connection.","tls-required","sender","after-fix")
cause("tls.failed","TLS failed","Setting up TLS with the receiver failed.","tls-required","network","later",1800,["failedstarttls"])
cause("relay.quoted","Quoted reply of a later server","A relay passed on the answer of the next server.","quoted-remote-reply","unknown","after-fix")
cause("delivered","Delivered","The message was delivered.","delivered","unknown","no",0,["delivered"])
cause("complaint","Spam complaint","A recipient reported the message as spam.","complaint","sender","no",0,["feedback"])
cause("autoreply","Automatic reply","The recipient's mailbox replied automatically.","autoreply","unknown","no",0,["vacation"])
cause("unknown","Not determined","The bounce does not say why, in words bouncekit knows.","undetermined","unknown","later",3600,["onhold","undefined"])

# kb category -> default cause for generated details
CATCAUSE = {"blocklist":"blocklist.provider","reputation":"reputation.ip","authentication-spf":"auth.spf","authentication-dkim":"auth.dkim",
 "authentication-dmarc":"auth.dmarc","authentication-multiple":"auth.failed","reverse-dns":"network.rdns","content-spam":"content.spam",
 "virus-malware":"content.virus","message-format":"content.format","recipient-policy":"policy.recipient","invalid-recipient":"user.unknown",
 "mailbox-full":"mailbox.full","mailbox-disabled":"user.disabled","relay-denied":"relay.denied","rate-limit":"rate.limit","tls-required":"tls.required",
 "message-too-large":"message.size","greylisting":"greylist.deferred","network-firewall":"network.connect","sender-domain-invalid":"sender.domain",
 "expired-timeout":"delivery.expired","protocol-error":"smtp.syntax","smtp-auth-credentials":"auth.smtp","outbound-abuse":"sender.abuse",
 "tenant-configuration":"tenant.config","routing-loop":"network.loop","receiver-system-error":"system.remote","quoted-remote-reply":"relay.quoted",
 "bulk-sender-requirements":"sender.bulk-rules"}
import json, re, sys
KB = sys.argv[1] if len(sys.argv) > 1 else '../shared/kb/'
P = json.load(open(KB + 'providers.json'))
B = json.load(open(KB + 'blocklists.json'))
OUT = 'rules/'

def q(s):
    return '"' + s.replace('\\', '\\\\').replace('"', '\\"') + '"'

def wrapq(key, text):
    return '\t%s %s\n' % (key, q(text))

# ---------------------------------------------------------------- 50-causes
o = []
o.append('''# 50-causes.rules - what each cause and category of causes means.
#
# Knowledge, not matching: `define category` holds what a group of causes
# means, the checks to run, the fix steps and the retry advice;
# `define cause` holds one stable cause id (the record's "cause"), its
# category, whose move it is and whether to retry, and the reasons whose
# default it is.  The ids are documented in bouncekit-causes(7).  The
# vocabulary of categories follows ../shared/kb/remediation.json; the text
# is ours.  A user rules file may redefine any entry by its id.

version 1

''')
for cid, (name, about, checks, fixes, retry, who, related, links) in C.items():
    o.append('define category %s\n' % cid)
    o.append(wrapq('name', name))
    o.append(wrapq('about', about))
    for c in checks: o.append(wrapq('check', c))
    for f in fixes: o.append(wrapq('fix', f))
    o.append(wrapq('retry-advice', retry))
    o.append(wrapq('who', who))
    if related: o.append('\trelated %s\n' % ' '.join(related))
    for l in links: o.append(wrapq('link', l))
    o.append('\n')
for kid, (name, about, cat, resp, retry, after, reasons) in K.items():
    assert cat in C, (kid, cat)
    o.append('define cause %s\n' % kid)
    o.append(wrapq('name', name))
    o.append(wrapq('about', about))
    o.append('\tcategory %s\n\tresponsible %s\n\tretry %s\n' % (cat, resp, retry))
    if after: o.append('\tretry-after %d\n' % after)
    if reasons: o.append('\treasons %s\n' % ' '.join(reasons))
    o.append('\n')
open(OUT + '50-causes.rules', 'w').write(''.join(o))

# ------------------------------------------------------------- providers
HOSTS = {
 'microsoft-exchange-online': 'mail.protection.outlook.com onmicrosoft.com exchangelabs.com',
 'microsoft-outlook-com': 'olc.protection.outlook.com outlook.com hotmail.com live.com msn.com',
 'google-gmail': 'google.com googlemail.com gmail.com',
 'yahoo-aol': 'yahoodns.net yahoo.com aol.com ymail.com rocketmail.com',
 'apple-icloud': 'icloud.com me.com mac.com',
 'comcast': 'comcast.net',
 'united-internet-gmx-webde': 'gmx.net gmx.de gmx.com web.de mail.com kundenserver.de ionos.de',
 'yandex': 'yandex.ru yandex.net yandex.com ya.ru',
 'mail-ru': 'mail.ru smailru.net bk.ru inbox.ru list.ru',
 'orange-laposte': 'orange.fr wanadoo.fr laposte.net',
 't-online': 't-online.de',
 'zoho': 'zoho.com zoho.eu zoho.in zohomail.com',
 'tencent-qq': 'qq.com',
 'naver': 'naver.com',
 'mimecast': 'mimecast.com',
 'proofpoint': 'pphosted.com ppe-hosted.com',
 'barracuda': 'barracudanetworks.com',
 'cisco-secure-email': 'iphmx.com',
 'trend-micro': 'trendmicro.com trendmicro.eu',
 'sophos': 'hydra.sophos.com',
 'symantec-broadcom': 'messagelabs.com',
 'forcepoint': 'mailcontrol.com',
 'hornetsecurity': 'hornetsecurity.com',
 'spamexperts': 'spamexperts.com spamexperts.eu spamexperts.net antispamcloud.com',
 'cloudflare-area1': 'mxrecord.io mxrecord.mx',
}
SAMPLEHOST = {k: 'mx.' + v.split()[0] for k, v in HOSTS.items()}
# text markers that name the provider by themselves (facts from the kb)
MARK = {
 'microsoft-outlook-com': ['(S3140)', '(S3150)', '(AS3150)', 'postmaster.live.com', 'mail.live.com/mail/troubleshooting.aspx'],
 'microsoft-exchange-online': ['(AS16012609)', 'RESOLVER.ADR', 'STOREDRV', 'sender.office.com'],
 'google-gmail': ['- gsmtp', 'support.google.com/mail/?p='],
 'yahoo-aol': ['[TSS04]', '[TSS09]', '[TS0', '[PH01]', 'postmaster.yahooinc.com', 'senders.yahooinc.com'],
 'apple-icloud': ['[CS01]', '[HM07]', '[HM08]', 'support.apple.com/en-us/HT204137', 'support.apple.com/en-us/102322'],
 'comcast': ['postmaster.comcast.net', 'xfinity.com/support/articles/email-errors'],
 'united-internet-gmx-webde': ['Nemesis ESMTP', 'postmaster.gmx.net', 'postmaster.web.de', 'postmaster.1and1.com'],
 'yandex': ['Message rejected under suspicion of SPAM'],
 'mail-ru': ['help.mail.ru/mail-help/postmaster'],
 'orange-laposte': ['OFR_', 'OFR00', 'LPN00'],
 't-online': ['@rx.t-online.de'],
 'zoho': ['detected by Zoho Mail'],
 'tencent-qq': ['service.mail.qq.com'],
 'naver': ['realip.naver.com'],
 'mimecast': ['community.mimecast.com', 'MCSpamSignature'],
 'proofpoint': ['ipcheck.proofpoint.com', 'support.proofpoint.com/dnsbl'],
 'barracuda': ['barracudanetworks.com', 'cuda_nsu'],
 'cisco-secure-email': ['iphmx.com'],
 'trend-micro': ['Trend Micro RBL+'],
 'sophos': ['prod.hydra.sophos.com'],
 'symantec-broadcom': ['messagelabs.com'],
 'forcepoint': ['mailcontrol.com'],
 'hornetsecurity': ['hornetsecurity.com'],
 'spamexperts': ['antispamcloud.com'],
 'cloudflare-area1': ['mxrecord.io'],
}
ABOUT = {
 'mailbox_provider': 'A mailbox provider: it hosts the recipients\' mailboxes and applies its own filtering and reputation data.',
 'filtering_gateway': 'A filtering gateway in front of the recipient organisation\'s mail: its blocks mix the organisation\'s own policy with the gateway\'s reputation data, so the recipient usually has to allow you.',
}
EXTRA = [  # providers our rules name that the kb does not list
 ('godaddy', 'GoDaddy (secureserver.net)', 'mailbox', 'secureserver.net', []),
 ('cox', 'Cox Communications', 'mailbox', 'cox.net cloudfilter.net', []),
 ('spectrum', 'Spectrum (Charter)', 'mailbox', 'charter.net spectrum.net rr.com', ['AUP#In-']),
 ('facebook', 'Facebook', 'mailbox', 'facebook.com', []),
 ('iua', 'I.UA', 'mailbox', 'i.ua email.ua', []),
 ('kddi-au', 'KDDI au (ezweb)', 'mailbox', 'ezweb.ne.jp au.com', []),
 ('nttdocomo', 'NTT docomo', 'mailbox', 'docomo.ne.jp', []),
]
TOKEN = re.compile(r'\[?(S\d{3,5}|AS\d{3,}|RP-\d{3}|SC-\d{3}|DY-\d{3}|OU-\d{3}|TSS?\d\d|PH\d\d|CS\d\d|HM[E0-9]\d|BL\d{2,}|ES\d{6}|OFR\d*_\d{3}|LPN\d*_\d{3}|\d\.\d\.\d{1,3})\]?')

def clean(m):
    m = m.strip()
    if '...' in m or '<' in m or 'e.g.' in m or '*' in m or '(multi-line' in m or len(m) < 4:
        return None
    return m

o = []
d = []
tests = []
o.append('''# 55-providers.rules - receiving systems: who they are and their own codes.
#
# `define provider` names a receiving mailbox provider or filtering gateway
# and how to recognise it: host suffixes of the remote MTA (or of the
# recipient's domain), and text markers only it writes.  The `detail`
# stanzas after them map each provider code or wording to a cause and a
# category without touching the Sisimai-compatible reason: `seen` holds
# when the provider was recognised.  Codes, markers and URLs are facts from
# ../shared/kb/providers.json (with the sources cited there); generated by
# rules/kb2rules.py, then kept by hand.

version 1

''')
skipped = []
for pr in P['providers']:
    pid = pr['id']
    kind = 'mailbox' if pr['kind'] == 'mailbox_provider' else 'gateway'
    o.append('define provider %s\n' % pid)
    o.append(wrapq('name', pr['name']))
    o.append('\tkind %s\n' % kind)
    o.append(wrapq('about', ABOUT[pr['kind']]))
    o.append('\thost %s\n' % HOSTS[pid])
    for m in MARK.get(pid, []):
        o.append(wrapq('text', m))
    for k, u in pr.get('support_urls', {}).items():
        u = u.split(' ')[0]
        if u.startswith('http'):
            o.append(wrapq('link', u))
    o.append('\tmust "550 5.7.1 rejected" host=%s\n' % SAMPLEHOST[pid])
    if MARK.get(pid):
        o.append('\tmust %s\n' % q('550 5.7.1 rejected ' + MARK[pid][0]))
    o.append('\tmustnot "550 5.7.1 rejected" host=mx.example.org\n\n')
    ents = []
    for n, cd in enumerate(pr['codes']):
        marks = [m for m in (clean(x) for x in cd.get('text_markers', [])) if m]
        tok = TOKEN.search(cd['code'])
        code = tok.group(1) if tok else None
        regex = None
        if cd['code'].startswith('BL000100 .. BL000111'):
            regex = 'BL0001[01][01]'
            code = 'BL0001xx'
        if not marks and code and not re.match(r'\d\.', code) and not regex:
            marks = [code]
        if not marks and not regex:
            skipped.append('%s: %s' % (pid, cd['code']))
            continue
        ents.append((max(len(m) for m in marks) if marks else 10, n, cd, marks, code, regex))
    ents.sort(key=lambda e: (-e[0], e[1]))
    seenm = {}
    for e in ents:
        for m in e[3]:
            seenm[m.lower()] = seenm.get(m.lower(), 0) + 1
    for _, n, cd, marks, code, regex in ents:
        shared = any(seenm[m.lower()] > 1 for m in marks)
        cat = cd['category']
        cause = CATCAUSE[cat]
        low = ' '.join(marks).lower()
        if cat == 'blocklist' and pid.startswith('microsoft-') and 'spamhaus' not in ' '.join(marks).lower():
            cause = 'blocklist.microsoft'
        elif cat == 'blocklist':
            for key, bc in (('spamhaus', 'blocklist.spamhaus'), ('proofpoint', 'blocklist.proofpoint'),
                            ('barracuda', 'blocklist.barracuda'), ('spamcop', 'blocklist.spamcop')):
                if key in low:
                    cause = bc
                    break
        rid = 'kb.%s.%d' % (pid, n + 1)
        reply = re.match(r'\d{3}', cd.get('smtp_reply') or '')
        perm = cd['permanent']
        reply = reply.group(0) if reply else ('550' if perm is True else '450')
        st = cd.get('enhanced_status') or ''
        d.append('detail %s\n' % rid)
        d.append('\tpriority 950\n\tseen %s\n' % pid)
        for m in marks:
            d.append(wrapq('text', m))
        if regex:
            d.append(wrapq('regex', regex))
        if shared and cd.get('enhanced_status'):
            # the wording is shared by several codes: the code decides
            d.append('\tstatus %s\n' % cd['enhanced_status'])
        d.append('\tcause %s\n\tcategory %s\n\tprovider %s\n' % (cause, cat, pid))
        if code:
            d.append('\tprovider-code %s\n' % code)
        if perm is False:
            d.append('\tretry later\n')
        sample = ' '.join(x for x in [reply, st, marks[0] if marks else 'BL000101'] if x)
        d.append('\tmust %s host=%s\n' % (q(sample), SAMPLEHOST[pid]))
        other = 'mx.yahoo.com' if pid == 'google-gmail' else 'mx.gmail.com'
        d.append('\tmustnot %s host=%s\n\n' % (q(sample), other))
        tests.append((rid, sample, SAMPLEHOST[pid], cat, pid))
        # a code field naming several codes ("S3140 / S3150"): each code
        # in the text gives its own provider code, above the shared entry
        toks = [t for t in TOKEN.findall(cd['code']) if not re.match(r'\d\.', t)]
        for t in (toks if len(toks) > 1 else []):
            d.append('detail %s.%s\n\tpriority 951\n\tseen %s\n' % (rid, t, pid))
            d.append(wrapq('text', t))
            d.append('\tcause %s\n\tcategory %s\n\tprovider %s\n\tprovider-code %s\n' % (cause, cat, pid, t))
            if perm is False:
                d.append('\tretry later\n')
            tl = ' '.join(x for x in [reply, st, 'blocked', t] if x)
            d.append('\tmust %s host=%s\n' % (q(tl), SAMPLEHOST[pid]))
            d.append('\tmustnot %s host=%s\n\n' % (q(tl), 'mx.yahoo.com' if pid == 'google-gmail' else 'mx.gmail.com'))
for pid, name, kind, hosts, marks in EXTRA:
    o.append('define provider %s\n' % pid)
    o.append(wrapq('name', name))
    o.append('\tkind %s\n' % kind)
    o.append(wrapq('about', ABOUT['mailbox_provider']))
    o.append('\thost %s\n' % hosts)
    for m in marks: o.append(wrapq('text', m))
    o.append('\tmust "550 5.7.1 rejected" host=mx.%s\n\n' % hosts.split()[0])
open(OUT + '55-providers.rules', 'w').write(''.join(o) + '# --- provider codes (details) ---\n\n' + ''.join(d))

# ------------------------------------------------------------- blocklists
BL = [  # id, cause, zones, markers, about, delist
 ('spamhaus-sbl', 'spamhaus', ['sbl.spamhaus.org'], ['spamhaus.org/sbl/query/SBL', 'Spamhaus SBL'],
  'Spamhaus\' manually researched list of spam sources and spam operations (SBL, including the automated CSS and the DROP netblocks).',
  'Open the SBL record on the Spamhaus checker; the fix is usually up to the network owner, who must end the spam operation.'),
 ('spamhaus-xbl', 'spamhaus', ['xbl.spamhaus.org'], ['Spamhaus XBL'],
  'Spamhaus\' list of hijacked and infected hosts (bots, open proxies).',
  'Clean the infected host or close the proxy, then remove the IP through the Spamhaus checker.'),
 ('spamhaus-pbl', 'spamhaus', ['pbl.spamhaus.org'], ['Spamhaus PBL'],
  'Spamhaus\' list of end-user and dynamic address ranges that should not send mail directly; being on it is not an accusation.',
  'Send through your provider\'s smarthost, or, for a real mail server on a static IP, remove the IP through the Spamhaus checker.'),
 ('spamhaus-dbl', 'spamhaus', ['dbl.spamhaus.org'], ['Spamhaus DBL', 'Helo domain is listed in Spamhaus'],
  'Spamhaus\' list of domains seen in spam: a domain in the message, its links, or the HELO name.',
  'Find the listed domain (sender, link or HELO) and ask for removal through the Spamhaus checker after fixing the cause.'),
 ('spamhaus-zrd', 'spamhaus', ['zrd.dq.spamhaus.net'], [],
  'Spamhaus\' list of newly registered domains, listed for their first hours.',
  'Wait: entries expire by themselves after a short time.'),
 ('spamhaus-dqs', 'spamhaus', ['dq.spamhaus.net'], [],
  'The commercial query service of Spamhaus data; the listing is one of its lists (ZEN, DBL, ZRD...).',
  'As for the Spamhaus list that holds the entry: look it up on the Spamhaus checker.'),
 ('spamhaus-zen', 'spamhaus', ['zen.spamhaus.org'], ['spamhaus.org/query/', 'spamhaus.org/lookup', 'check.spamhaus.org', 'blocked using Spamhaus', 'listed in Spamhaus', 'Spamhaus'],
  'Spamhaus\' combined IP list (SBL, XBL and PBL in one query); most receivers use it.',
  'Look the IP up on the Spamhaus checker to see which part lists it, fix that cause, then request removal there.'),
 ('barracuda-brbl', 'barracuda', ['b.barracudacentral.org'], ['Barracuda Reputation', 'barracudacentral.org', 'barracudanetworks.com/reputation'],
  'Barracuda\'s reputation list of IPs seen sending spam to its traps or flagged by its appliances.',
  'Fix the cause, then use the removal request form at Barracuda Central (handled by people, usually within a day).'),
 ('spamcop', 'spamcop', ['bl.spamcop.net'], ['spamcop.net'],
  'SpamCop\'s short-lived list of IPs that recipients reported for spam.',
  'Stop the reported mail; entries expire by themselves within a day or two after the reports stop.'),
 ('uceprotect', 'uceprotect', ['dnsbl-1.uceprotect.net', 'dnsbl-2.uceprotect.net', 'dnsbl-3.uceprotect.net'], ['uceprotect.net', 'UCEPROTECT'],
  'UCEPROTECT lists single IPs (level 1) and, at levels 2 and 3, whole ranges and networks around them.',
  'Level 1 expires a week after the last spam; levels 2 and 3 clear when the provider\'s network does. Many receivers do not use levels 2 and 3.'),
 ('psbl', 'psbl', ['psbl.surriel.com'], ['psbl.org'],
  'The Passive Spam Block List: IPs that sent mail to its spam traps.',
  'Remove the IP yourself on the PSBL site after fixing the cause; otherwise it expires.'),
 ('mailspike', 'mailspike', ['bl.mailspike.net', 'z.mailspike.net'], ['mailspike'],
  'Mailspike\'s reputation list of IPs in current spam waves or with poor reputation.',
  'Fix the cause and use the self-service removal on the Mailspike site.'),
 ('sorbs', 'sorbs', ['dnsbl.sorbs.net'], ['sorbs.net'],
  'SORBS, a family of lists (spam sources, dynamic ranges, open relays); the project has been shut down, so a listing may be stale.',
  'There is no working removal; ask the receiver to stop using SORBS.'),
 ('invaluement', 'invaluement', [], ['invaluement', 'ivmSIP', 'ivmURI'],
  'Invaluement\'s lists of sender IPs, ranges and message-body domains linked to spam.',
  'Use the lookup and removal tool on the Invaluement site after fixing the cause.'),
 ('0spam', '0spam', ['bl.0spam.org'], ['0spam'],
  '0spam\'s list of IPs that sent to its traps.',
  'Fix the cause and use the removal form on the 0spam site.'),
 ('abusix', 'abusix', ['mail.abusix.zone'], ['abusix'],
  'Abusix Mail Intelligence: lists of spam sources, exploited hosts and dynamic ranges.',
  'Look the IP up at lookup.abusix.com and request removal there after fixing the cause.'),
 ('surbl', 'uri', ['multi.surbl.org'], ['surbl.org'],
  'SURBL lists domains that appear in spam messages; here a link in your message.',
  'Find the listed link domain, stop using it (or clean it if it is yours), then use the SURBL lookup page.'),
 ('uribl', 'uri', ['multi.uribl.com', 'black.uribl.com', 'grey.uribl.com', 'red.uribl.com'], ['uribl.com'],
  'URIBL lists domains found in spam; here a link in your message.',
  'Remove the listed domain from the message; delisting a domain of your own needs an account on uribl.com.'),
 ('truncate-gbudb', 'truncate', ['truncate.gbudb.net'], ['gbudb'],
  'GBUdb\'s Truncate list of IPs its filters rate as mostly spam.',
  'Entries fade out once the IP sends clean mail; fix the cause.'),
 ('nixspam', 'nixspam', ['ix.dnsbl.manitu.net'], ['nixspam'],
  'NiX Spam (iX) lists IPs seen sending spam; entries are short-lived.',
  'Entries expire after about 12 hours without spam; a removal form exists on the NiX Spam site.'),
 ('s5h', 's5h', ['all.s5h.net'], ['s5h.net'],
  'S5H, a small list of IPs that sent to its traps.',
  'Use the removal page linked from the S5H site after fixing the cause.'),
 ('cloudmark-csi', 'cloudmark', [], ['csi.cloudmark.com'],
  'Cloudmark Sender Intelligence, the reputation data inside the filters of several providers (Comcast, Cox, Orange); not publicly queryable.',
  'Check and request a reset at csi.cloudmark.com after fixing the cause.'),
 ('senderscore-rpbl', 'senderscore', ['bl.score.senderscore.com'], ['senderscore'],
  'Validity\'s Sender Score reputation block list.',
  'Check the IP on senderscore.org; the listing follows the score, which recovers with clean sending.'),
]
LOOKUP = {e['id']: e.get('check_url') for e in B['lists']}
assert len(BL) == 23 and {b[0] for b in BL} == set(LOOKUP)
o = ['''# 57-blocklists.rules - DNS blocklists named in rejection texts.
#
# `define blocklist` recognises a list by a zone or a marker in the text
# (the first list in file order whose zone or markers match wins, so the
# specific Spamhaus lists come before ZEN and the generic "Spamhaus"), and
# says what a listing means and how to get off it.  Zones, markers and URLs
# are facts from ../shared/kb/blocklists.json; the text is ours.

version 1

''']
for bid, cause, zones, marks, about, delist in BL:
    name = next(e['name'] for e in B['lists'] if e['id'] == bid)
    o.append('define blocklist %s\n' % bid)
    o.append(wrapq('name', name))
    o.append(wrapq('about', about))
    o.append('\tcause blocklist.%s\n' % cause)
    if zones: o.append('\tzone %s\n' % ' '.join(zones))
    for m in marks: o.append(wrapq('text', m))
    u = LOOKUP[bid] or ''
    if u.startswith('http'):
        o.append(wrapq('lookup', u.split(' ')[0]))
    o.append(wrapq('delist', delist))
    sample = zones[0] if zones else marks[0]
    o.append('\tmust %s\n' % q('554 5.7.1 Service unavailable; Client host [192.0.2.1] blocked using ' + sample))
    o.append('\tmustnot "550 5.1.1 user unknown"\n\n')
open(OUT + '57-blocklists.rules', 'w').write(''.join(o))

# ------------------------------------------------------------- test table
t = ['/* kb_cases.h - generated by rules/kb2rules.py from rules/55-providers.rules:\n'
     ' * every provider code entry as a reply line with its provider\'s host,\n'
     ' * and the category and provider it must be explained as. */\n'
     'static const struct kb_case {\n\tconst char *id, *line, *host, *category, *provider;\n} kb_cases[] = {\n']
for rid, sample, host, cat, pid in tests:
    t.append('\t{ %s, %s,\n\t  %s, %s, %s },\n' % (q(rid), q(sample), q(host), q(cat), q(pid)))
t.append('};\n')
open('tests/unit/classify/kb_cases.h', 'w').write(''.join(t))
print('details', len(tests), 'skipped', len(skipped))
for s in skipped: print('  skip', s)
