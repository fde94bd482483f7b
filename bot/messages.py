"""Every sentence a person reads from the bot, in English and French, in one place.

Adapters and the core take their words from here, so a translation is one edit and no
message exists in only one language (a test checks that every key has both).
"""

from __future__ import annotations

import datetime as dt

from bot.language import Lang

MONTHS: dict[Lang, list[str]] = {
    "en": ["January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December"],
    "fr": ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
           "septembre", "octobre", "novembre", "décembre"],
}

TEXTS: dict[str, dict[Lang, str]] = {
    "empty": {
        "en": "Ask me something about AI investment, for example: {example}",
        "fr": "Posez-moi une question sur les investissements dans l'IA, par exemple : {example}",
    },
    "foreign": {
        "en": "I answer in English and French only. Try: {example}",
        "fr": "Je réponds seulement en anglais et en français. Essayez : {example}",
    },
    "no_match": {
        "en": "I don't know: none of my facts answers that.",
        "fr": "Je ne sais pas : aucun de mes faits ne répond à cette question.",
    },
    "unsure": {
        "en": "I'm not sure which of these you mean.",
        "fr": "Je ne suis pas sûr de ce que vous demandez.",
    },
    "unknown_entity": {
        "en": "I have no facts about {names}. I know about {known}.",
        "fr": "Je n'ai aucun fait sur {names}. Je connais {known}.",
    },
    "no_figure": {
        "en": "I have no figure for {names}. I have amounts for {known}.",
        "fr": "Je n'ai pas de chiffre pour {names}. J'ai des montants pour {known}.",
    },
    "did_you_mean": {"en": "Did you mean:", "fr": "Vouliez-vous dire :"},
    "source": {"en": "Source: {sources}", "fr": "Source : {sources}"},
    "sources": {"en": "Sources: {sources}", "fr": "Sources : {sources}"},
    "and": {"en": "and", "fr": "et"},
    "names_and_more": {"en": "{names} and {count} more", "fr": "{names} et {count} autres"},
    "or": {"en": "or", "fr": "ou"},
    "amount_range": {"en": "{low} to {high} billion {currency}", "fr": "{low} à {high} milliards {currency}"},
    "amount_value": {"en": "{value} billion {currency}", "fr": "{value} milliards {currency}"},
    "amount_up_to": {"en": "up to {value} billion {currency}", "fr": "jusqu'à {value} milliards {currency}"},
    "period_year": {"en": "in {year}", "fr": "en {year}"},
    "period_fiscal": {"en": "in fiscal year {year}", "fr": "sur l'exercice {year}"},
    "period_span": {"en": "over {years} years", "fr": "sur {years} ans"},
    "ranking_intro": {
        "en": "Announced AI investments, {order}:",
        "fr": "Investissements annoncés dans l'IA, {order} :",
    },
    "biggest_first": {"en": "biggest first", "fr": "du plus gros au plus petit"},
    "smallest_first": {"en": "smallest first", "fr": "du plus petit au plus gros"},
    "ranking_line": {"en": "{rank}. {who}: {amount} {period} ({purpose})", "fr": "{rank}. {who} : {amount} {period} ({purpose})"},
    "ranking_more": {"en": "... and {count} more announced amounts.", "fr": "... et {count} autres montants annoncés."},
    "span_note": {
        "en": "{who}'s figure is a total over {years} years (about {yearly} billion a year if spread evenly, derived), not a yearly budget.",
        "fr": "Le chiffre de {who} est un total sur {years} ans (environ {yearly} milliards par an s'il était réparti également, calcul dérivé), pas un budget annuel.",
    },
    "chart_title": {"en": "Announced AI investments", "fr": "Investissements annoncés dans l'IA"},
    "chart_yearly_panel": {"en": "Yearly budgets, biggest first", "fr": "Budgets annuels, du plus gros au plus petit"},
    "chart_span_panel": {"en": "Totals over several years (not yearly budgets)", "fr": "Totaux sur plusieurs années (pas des budgets annuels)"},
    "chart_axis": {"en": "Billion {currency}", "fr": "Milliards {currency}"},
    "chart_axis_mixed": {"en": "Billions (currency in each label)", "fr": "Milliards (devise dans chaque libellé)"},
    "chart_yearly_average": {"en": "≈ {yearly} billion a year if spread evenly (derived)", "fr": "≈ {yearly} milliards par an si réparti également (calcul dérivé)"},
    "chart_key": {
        "en": "Hatched: a range, from its low to its high figure. Dashed outline: a maximum (\"up to\").",
        "fr": "Hachures : une fourchette, de son bas à son haut. Contour en tirets : un maximum (« jusqu'à »).",
    },
    "chart_more": {"en": "{count} smaller amounts not shown.", "fr": "{count} montants plus petits non représentés."},
    "chart_alt": {
        "en": "Bar chart of {count} announced AI investments, biggest first: {items}.{apart} {sources}.",
        "fr": "Graphique en barres de {count} investissements annoncés dans l'IA, du plus gros au plus petit : {items}.{apart} {sources}.",
    },
    "chart_label": {"en": "{who}: {amount} {period}", "fr": "{who} : {amount} {period}"},
    "chart_alt_item": {"en": "{who}, {amount} {period}", "fr": "{who}, {amount} {period}"},
    "chart_alt_apart": {
        "en": " Totals over several years are drawn apart from yearly budgets.",
        "fr": " Les totaux sur plusieurs années sont représentés à part des budgets annuels.",
    },
    "chart_alt_apart_scaled": {
        "en": " Totals over several years are drawn apart from yearly budgets, on a different scale (the two panels' axes differ).",
        "fr": " Les totaux sur plusieurs années sont représentés à part des budgets annuels, sur une autre échelle (les axes des deux panneaux diffèrent).",
    },
    "chart_scales_differ": {
        "en": "Different scales: each panel has its own axis.",
        "fr": "Échelles différentes : chaque panneau a son propre axe.",
    },
    "chart_too_few": {
        "en": "I need at least two announced amounts to draw a chart; I have {count}.",
        "fr": "Il me faut au moins deux montants annoncés pour dessiner un graphique ; j'en ai {count}.",
    },
    "compare_more": {
        "en": "{first} plans more: {first_amount} {first_period}, against {second_amount} {second_period} for {second}, a difference of {gap} billion {currency} (derived).",
        "fr": "{first} prévoit davantage : {first_amount} {first_period}, contre {second_amount} {second_period} pour {second}, soit un écart de {gap} milliards {currency} (calcul dérivé).",
    },
    "compare_periods": {
        "en": "{first}: {first_amount} {first_period}; {second}: {second_amount} {second_period}. These cover different periods, so they are not directly comparable.",
        "fr": "{first} : {first_amount} {first_period} ; {second} : {second_amount} {second_period}. Ces montants couvrent des périodes différentes et ne sont pas directement comparables.",
    },
    "previous_year": {
        "en": "{who} plans {amount} {period}, which the source says is {percent}% more than in {year}. That puts {year} at roughly {low} to {high} billion {currency} (derived: {amount_short} ÷ {factor}).",
        "fr": "{who} prévoit {amount} {period}, soit {percent} % de plus qu'en {year} selon la source. Cela situe {year} autour de {low} à {high} milliards {currency} (calcul dérivé : {amount_short} ÷ {factor}).",
    },
    # --- reading a message (bot.conversation.reading) ---
    "too_long": {
        "en": "Your message is {length} characters long, more than I read ({limit}). Please send just your question.",
        "fr": "Votre message fait {length} caractères, plus que ce que je lis ({limit}). Envoyez seulement votre question.",
    },
    "no_question": {
        "en": "I couldn't find a question in your message. Ask it in a sentence of its own, for example: {example}",
        "fr": "Je n'ai pas trouvé de question dans votre message. Posez-la dans une phrase à part, par exemple : {example}",
    },
    "answered_last": {
        "en": "Your message asks {count} questions; I answered the last one (“{question}”). Send the others one at a time.",
        "fr": "Votre message pose {count} questions ; j'ai répondu à la dernière (« {question} »). Envoyez les autres une par une.",
    },
    "not_answered_part": {
        "en": "“{question}”: I don't know, none of my facts answers that.",
        "fr": "« {question} » : je ne sais pas, aucun de mes faits n'y répond.",
    },
    "refers_to_what": {
        "en": "What does “{word}” refer to? There is no earlier question to go on: ask with the name, for example: {example}",
        "fr": "À quoi « {word} » fait-il référence ? Il n'y a pas de question précédente : posez-la avec le nom, par exemple : {example}",
    },
    "slow_down": {
        "en": "You're asking faster than I can keep up. Please wait {seconds} seconds.",
        "fr": "Vous posez des questions trop vite. Merci d'attendre {seconds} secondes.",
    },
    "error": {
        "en": "Something went wrong on my side; please try again.",
        "fr": "Un problème est survenu de mon côté ; merci de réessayer.",
    },
    "help": {
        "en": (
            "I answer questions about AI investment: who is spending how much, on what, over "
            "which period, and what was said about it, with the source of every figure.\n"
            "Examples: \"How much is Meta investing in AI in 2025?\", \"What is Stargate?\", "
            "\"Does Microsoft spend more than Meta?\", \"Combien Microsoft va-t-il dépenser cette année ?\""
        ),
        "fr": (
            "Je réponds aux questions sur les investissements dans l'IA : qui dépense combien, "
            "pour quoi, sur quelle période, et ce qui en a été dit, avec la source de chaque chiffre.\n"
            "Exemples : « Combien Meta investit-il dans l'IA en 2025 ? », « C'est quoi Stargate ? », "
            "« Microsoft dépense-t-il plus que Meta ? », \"How much will Microsoft spend on data centers?\""
        ),
    },
    "about": {
        "en": "aibot {version}: {facts} facts about {entities} companies, people and projects, from {sources}.",
        "fr": "aibot {version} : {facts} faits sur {entities} entreprises, personnes et projets, tirés de {sources}.",
    },
    # --- votes on answers (bot.feedback) ---
    "feedback_up": {"en": "Thanks, glad it helped! 👍", "fr": "Merci, ravi que cela vous aide ! 👍"},
    "feedback_down": {
        "en": "Thanks, noted: this answer will be reviewed. 👎",
        "fr": "Merci, c'est noté : cette réponse sera revue. 👎",
    },
    "feedback_unavailable": {
        "en": "Sorry, I could not record your vote right now.",
        "fr": "Désolé, je n'ai pas pu enregistrer votre vote pour le moment.",
    },
    "feedback_pending": {
        "en": "Thanks! I could not save your vote just now; it will be saved as soon as I can.",
        "fr": "Merci ! Je n'ai pas pu enregistrer votre vote tout de suite ; il le sera dès que possible.",
    },
    "feedback_label_up": {"en": "Helpful", "fr": "Utile"},
    "feedback_label_down": {"en": "Not helpful", "fr": "Pas utile"},
    # --- slack (adapters/slack) ---
    "slack_you_asked": {"en": "You asked: {question}", "fr": "Vous avez demandé : {question}"},
    "slack_help_commands": {
        "en": "Mention me in a channel, send me a direct message, or type /aibot followed by your question. /aibot about lists my sources.",
        "fr": "Mentionnez-moi dans un canal, écrivez-moi en message direct, ou tapez /aibot suivi de votre question. /aibot about liste mes sources.",
    },
    "slack_digest_unavailable": {
        "en": "Digests are not available on this installation.",
        "fr": "Les résumés ne sont pas disponibles sur cette installation.",
    },
    # --- discord (adapters/discord) ---
    "discord_cmd_ask": {"en": "Ask a question about AI investment", "fr": "Poser une question sur les investissements dans l'IA"},
    "discord_opt_question": {"en": "Your question, in English or French", "fr": "Votre question, en français ou en anglais"},
    "discord_cmd_facts": {"en": "What I know about a company, person or project", "fr": "Ce que je sais d'une entreprise, d'une personne ou d'un projet"},
    "discord_opt_about": {"en": "A company, person or project", "fr": "Une entreprise, une personne ou un projet"},
    "discord_cmd_about": {"en": "My sources, how many facts I know, my version", "fr": "Mes sources, le nombre de faits connus, ma version"},
    "discord_cmd_help": {"en": "How to ask me questions", "fr": "Comment me poser des questions"},
    "discord_cmd_digest": {"en": "Scheduled digests in this channel", "fr": "Résumés programmés dans ce salon"},
    "discord_cmd_digest_subscribe": {"en": "Post a digest here on a schedule", "fr": "Publier un résumé ici selon un horaire"},
    "discord_cmd_digest_show": {"en": "Show this channel's digest schedule", "fr": "Afficher l'horaire des résumés de ce salon"},
    "discord_cmd_digest_off": {"en": "Stop digests in this channel", "fr": "Arrêter les résumés dans ce salon"},
    "discord_cmd_digest_preview": {"en": "Show the digest as it would be posted now", "fr": "Afficher le résumé tel qu'il serait publié maintenant"},
    "discord_cmd_digest_report": {"en": "End this channel's digest with the admins' report, or stop", "fr": "Terminer le résumé de ce salon par le rapport pour les administrateurs, ou arrêter"},
    "discord_opt_report": {"en": "on: add the report; off: take it out", "fr": "on : ajouter le rapport ; off : le retirer"},
    "discord_opt_schedule": {"en": "daily 09:00, weekly mon 08:30, or cron \"0 9 * * 1-5\"", "fr": "daily 09:00, weekly mon 08:30 ou cron \"0 9 * * 1-5\""},
    "discord_opt_zone": {"en": "Time zone, e.g. Europe/Paris", "fr": "Fuseau horaire, par exemple Europe/Paris"},
    "discord_opt_language": {"en": "Language of the digest", "fr": "Langue du résumé"},
    "discord_cmd_chart": {"en": "A chart of the announced AI investments", "fr": "Un graphique des investissements annoncés dans l'IA"},
    "discord_cmd_reload": {"en": "Reload the fact base after an edit (server managers)", "fr": "Recharger la base de faits après une modification (gestionnaires du serveur)"},
    "discord_opt_chart_language": {"en": "Language of the chart", "fr": "Langue du graphique"},
    "discord_help_commands": {
        "en": "On Discord: mention me or send me a direct message, or use /ask, /facts (what I know about one company, person or project), /about and /help.",
        "fr": "Sur Discord : mentionnez-moi ou écrivez-moi en message privé, ou utilisez /ask, /facts (ce que je sais d'une entreprise, d'une personne ou d'un projet), /about et /help.",
    },
    "discord_about_sources": {"en": "Sources", "fr": "Sources"},
    "discord_admin_dm": {
        "en": "This command is for server admins, so it works only in a server channel, not in a direct message.",
        "fr": "Cette commande est réservée aux administrateurs d'un serveur : elle ne fonctionne que dans un salon du serveur, pas en message privé.",
    },
    "discord_admin_only": {
        "en": "Only people who can manage this server or its channels (Manage Server or Manage Channels) can use this command.",
        "fr": "Seules les personnes qui peuvent gérer ce serveur ou ses salons (Gérer le serveur ou Gérer les salons) peuvent utiliser cette commande.",
    },
    "discord_digest_unavailable": {
        "en": "Digests are not available on this bot: it has no database.",
        "fr": "Les résumés ne sont pas disponibles sur ce bot : il n'a pas de base de données.",
    },
    # --- digest (bot/digest) ---
    "digest_title": {"en": "AI investment digest, {date}", "fr": "Le point sur les investissements dans l'IA, {date}"},
    "digest_date": {"en": "{month} {day}, {year}", "fr": "{day} {month} {year}"},
    "digest_usage": {
        "en": (
            "Digest commands:\n"
            "- daily HH:MM [ZONE] [en|fr], e.g. daily 09:00 Europe/Paris fr\n"
            "- weekly DAY HH:MM [ZONE] [en|fr], e.g. weekly mon 08:30 UTC\n"
            "- cron \"MIN HOUR DAY MONTH WEEKDAY\" [ZONE] [en|fr], e.g. cron \"0 9 * * 1-5\" Europe/Paris en\n"
            "- show, off, preview\n"
            "- report on|off: end the digest with the admins' report (questions asked, answered share, "
            "unanswered questions, votes), for an admin channel\n"
            "ZONE is an IANA time zone (Europe/Paris, America/New_York, UTC; default UTC); "
            "the time is on a 24-hour clock."
        ),
        "fr": (
            "Commandes du résumé :\n"
            "- daily HH:MM [FUSEAU] [en|fr], par exemple daily 09:00 Europe/Paris fr\n"
            "- weekly JOUR HH:MM [FUSEAU] [en|fr], par exemple weekly lun 08:30 UTC\n"
            "- cron \"MIN HEURE JOUR MOIS JOUR_SEMAINE\" [FUSEAU] [en|fr], par exemple cron \"0 9 * * 1-5\" Europe/Paris fr\n"
            "- show, off, preview\n"
            "- report on|off : terminer le résumé par le rapport pour les administrateurs (questions posées, "
            "part de réponses, questions sans réponse, votes), pour un salon d'administration\n"
            "FUSEAU est un fuseau horaire IANA (Europe/Paris, America/New_York, UTC ; UTC par défaut) ; "
            "l'heure s'écrit sur 24 heures."
        ),
    },
    "digest_bad_time": {
        "en": "\"{value}\" is not a time I understand: write HH:MM on a 24-hour clock, e.g. 09:00 or 18:30.\n{usage}",
        "fr": "« {value} » n'est pas une heure que je comprends : écrivez HH:MM sur 24 heures, par exemple 09:00 ou 18:30.\n{usage}",
    },
    "digest_bad_day": {
        "en": "\"{value}\" is not a day: use mon, tue, wed, thu, fri, sat or sun.\n{usage}",
        "fr": "« {value} » n'est pas un jour : utilisez lun, mar, mer, jeu, ven, sam ou dim (ou mon … sun).\n{usage}",
    },
    "digest_bad_zone": {
        "en": "\"{value}\" is not a time zone I know: use an IANA name such as Europe/Paris, America/New_York or UTC.\n{usage}",
        "fr": "« {value} » n'est pas un fuseau horaire connu : utilisez un nom IANA comme Europe/Paris, America/New_York ou UTC.\n{usage}",
    },
    "digest_bad_cron": {
        "en": "\"{value}\" is not a cron expression: give five fields in quotes, minute hour day month weekday, e.g. \"0 9 * * 1-5\".\n{usage}",
        "fr": "« {value} » n'est pas une expression cron : donnez cinq champs entre guillemets, minute heure jour mois jour de la semaine, par exemple \"0 9 * * 1-5\".\n{usage}",
    },
    "digest_cron_too_often": {
        "en": "\"{value}\" would post more than once an hour; a digest can run at most hourly.\n{usage}",
        "fr": "« {value} » publierait plus d'une fois par heure ; un résumé peut être publié au plus une fois par heure.\n{usage}",
    },
    "digest_bad_words": {
        "en": "I did not understand \"{value}\".\n{usage}",
        "fr": "Je n'ai pas compris « {value} ».\n{usage}",
    },
    "added_on": {
        "en": "added {date}",
        "fr": "ajoutés le {date}",
    },
    "as_of": {
        "en": "As of {when}: {body}",
        "fr": "En date de {when} : {body}",
    },
    "as_of_suffix": {
        "en": "{text}, as of {when}",
        "fr": "{text}, en date de {when}",
    },
    "reload_not_admin": {
        "en": "Only admins can reload the fact base.",
        "fr": "Seuls les administrateurs peuvent recharger la base de faits.",
    },
    "reload_unavailable": {
        "en": "Reloading is not available in this process.",
        "fr": "Le rechargement n'est pas disponible dans ce processus.",
    },
    "reload_done": {
        "en": "Reloaded: I now answer from {facts} facts.",
        "fr": "Rechargé : je réponds maintenant à partir de {facts} faits.",
    },
    "reload_refused": {
        "en": "The fact base has {count} problem(s), so I kept the one I had. First: {problem}",
        "fr": "La base de faits a {count} problème(s) ; je garde celle que j'avais. Le premier : {problem}",
    },
    "digest_not_admin": {
        "en": "Only people who can manage this channel can change its digest. You can still use show and preview.",
        "fr": "Seules les personnes qui peuvent gérer ce salon peuvent modifier son résumé. Vous pouvez utiliser show et preview.",
    },
    "digest_not_in_dm": {
        "en": "Digest commands work only in a channel of a server or workspace, not in a direct message.",
        "fr": "Les commandes du résumé ne fonctionnent que dans un salon d'un serveur ou d'un espace de travail, pas en message privé.",
    },
    "digest_subscribed": {
        "en": "Done: this channel will get the digest {schedule}, in {language}. Next one: {next}.",
        "fr": "C'est fait : ce salon recevra le résumé {schedule}, en {language}. Prochain envoi : {next}.",
    },
    "digest_show": {
        "en": "This channel gets the digest {schedule}, in {language}. Next one: {next}. Last posted: {last}.",
        "fr": "Ce salon reçoit le résumé {schedule}, en {language}. Prochain envoi : {next}. Dernier envoi : {last}.",
    },
    "digest_show_disabled": {
        "en": "This channel's digest ({schedule}) is paused after {failures} failed posts; last reason: {reason}. Subscribe again to restart it.",
        "fr": "Le résumé de ce salon ({schedule}) est suspendu après {failures} échecs d'envoi ; dernière raison : {reason}. Abonnez-le de nouveau pour le relancer.",
    },
    "digest_none": {
        "en": "This channel has no digest.\n{usage}",
        "fr": "Ce salon n'a pas de résumé.\n{usage}",
    },
    "digest_off": {"en": "Done: this channel will no longer get the digest.", "fr": "C'est fait : ce salon ne recevra plus le résumé."},
    "digest_off_none": {"en": "This channel had no digest.", "fr": "Ce salon n'avait pas de résumé."},
    "digest_preview": {"en": "Preview (not posted):", "fr": "Aperçu (non publié) :"},
    "digest_unavailable": {
        "en": "Digests are unavailable right now; please try again later.",
        "fr": "Les résumés sont indisponibles pour le moment ; merci de réessayer plus tard.",
    },
    "digest_never": {"en": "never", "fr": "jamais"},
    "digest_every_day": {"en": "every day at {time} ({zone})", "fr": "tous les jours à {time} ({zone})"},
    "digest_every_week": {"en": "every {day} at {time} ({zone})", "fr": "chaque {day} à {time} ({zone})"},
    "digest_on_cron": {"en": "on the cron schedule \"{cron}\" ({zone})", "fr": "selon le cron « {cron} » ({zone})"},
    "digest_days": {
        "en": "Monday,Tuesday,Wednesday,Thursday,Friday,Saturday,Sunday",
        "fr": "lundi,mardi,mercredi,jeudi,vendredi,samedi,dimanche",
    },
    "digest_lang_en": {"en": "English", "fr": "anglais"},
    "digest_lang_fr": {"en": "French", "fr": "français"},
    "digest_headline": {"en": "Headline figures", "fr": "Chiffres clés"},
    "digest_new": {"en": "New since the last digest", "fr": "Nouveau depuis le dernier résumé"},
    "digest_fact_of_the_day": {"en": "Fact of the day", "fr": "Le fait du jour"},
    "digest_report": {"en": "For admins: how the bot did", "fr": "Pour les administrateurs : le bilan du bot"},
    "report_asked": {
        "en": "Last {days} days: {asked} question(s) asked, {answered} answered ({share}).",
        "fr": "{days} derniers jours : {asked} question(s) posée(s), {answered} avec une réponse ({share}).",
    },
    "report_asked_none": {
        "en": "Last {days} days: no question asked.",
        "fr": "{days} derniers jours : aucune question posée.",
    },
    "report_by_lang": {
        "en": "In {language}: {asked} asked, {share} answered.",
        "fr": "En {language} : {asked} posée(s), {share} avec une réponse.",
    },
    "report_votes": {
        "en": "Votes: {up} 👍 and {down} 👎 on {answers} answer(s).",
        "fr": "Votes : {up} 👍 et {down} 👎 sur {answers} réponse(s).",
    },
    "report_top_unanswered": {
        "en": "Most asked without an answer: \"{question}\" ({count} time(s)).",
        "fr": "La plus posée sans réponse : « {question} » ({count} fois).",
    },
    "report_most_disliked": {
        "en": "Most disliked answer: {fact} ({down} 👎).",
        "fr": "Réponse la moins appréciée : {fact} ({down} 👎).",
    },
    "digest_report_on": {
        "en": "Done: this channel's digest now ends with the admins' report (questions asked, answered share, unanswered questions, votes). It quotes what people asked, so keep it to an admin channel.",
        "fr": "C'est fait : le résumé de ce salon se termine maintenant par le rapport pour les administrateurs (questions posées, part de réponses, questions sans réponse, votes). Il cite des questions posées : réservez-le à un salon d'administration.",
    },
    "digest_report_off": {
        "en": "Done: this channel's digest no longer ends with the admins' report.",
        "fr": "C'est fait : le résumé de ce salon ne se termine plus par le rapport pour les administrateurs.",
    },
    "digest_report_none": {
        "en": "This channel has no digest yet: subscribe it first.\n{usage}",
        "fr": "Ce salon n'a pas encore de résumé : abonnez-le d'abord.\n{usage}",
    },
    "digest_show_report": {
        "en": " It ends with the admins' report.",
        "fr": " Il se termine par le rapport pour les administrateurs.",
    },
    # --- end of adapter and digest texts ---
    "chat_intro": {
        "en": "aibot console: ask about AI investment in English or French. Type help for examples, /about for my sources, exit or Ctrl-D to leave.",
        "fr": "Console aibot : posez vos questions sur les investissements dans l'IA. Tapez aide pour des exemples, /about pour mes sources, exit ou Ctrl-D pour quitter.",
    },
    # --- conversation (bot/conversation) ---
    "no_topic": {
        "en": "I haven't answered anything in this conversation yet. Ask me, for example: {example}",
        "fr": "Je n'ai encore rien répondu dans cette conversation. Demandez-moi par exemple : {example}",
    },
    "source_detail": {
        "en": "That comes from {publisher}, \"{title}\" ({date}), which says: \"{quote}\"",
        "fr": "Cela vient de cette source : {publisher}, « {title} » ({date}), qui écrit : « {quote} »",
    },
    "nothing_more": {
        "en": "That's all I know about {names}. Ask me about something else, for example: {example}",
        "fr": "C'est tout ce que je sais sur {names}. Demandez-moi autre chose, par exemple : {example}",
    },
    "chart_question": {"en": "What are the biggest AI investments?", "fr": "Quels sont les plus gros investissements dans l'IA ?"},
    "facts_title": {"en": "What I know about {name}", "fr": "Ce que je sais de {name}"},
    "facts_count": {"en": "{count} fact(s), each with its source", "fr": "{count} fait(s), chacun avec sa source"},
    "facts_unknown": {
        "en": "I have no facts about \"{name}\". Pick a name from the list as you type.",
        "fr": "Je n'ai aucun fait sur « {name} ». Choisissez un nom dans la liste en tapant.",
    },
}


def text(key: str, lang: Lang, **values: object) -> str:
    """The message ``key`` in ``lang`` with its blanks filled."""
    return TEXTS[key][lang].format(**values)


def month_year(date: str, lang: Lang) -> str:
    """ "2025-01" -> "January 2025" / "janvier 2025"; the source's own precision."""
    year, month = date[:4], int(date[5:7])
    return f"{MONTHS[lang][month - 1]} {year}"


def day_month_year(day: dt.date, lang: Lang) -> str:
    """ "26 November 2026" / "26 novembre 2026"."""
    return f"{day.day} {MONTHS[lang][day.month - 1]} {day.year}"


def join_names(names: list[str], lang: Lang, conjunction: str = "and") -> str:
    if len(names) <= 1:
        return "".join(names)
    return f"{', '.join(names[:-1])} {text(conjunction, lang)} {names[-1]}"


def billions(value: float, lang: Lang) -> str:
    """60e9 -> "60"; 42.5e9 -> "42.5" (en) / "42,5" (fr)."""
    number = f"{value / 1e9:.1f}".rstrip("0").rstrip(".")
    return number.replace(".", ",") if lang == "fr" else number


# Answers about what a question takes for granted, and details the facts do not hold (issue 24).
TEXTS.update({
    "premise_cut": {
        "en": "The premise differs: the facts report no cut for {who}; it plans {amount} {period}{growth}.",
        "fr": "La prémisse diffère : les faits ne font état d'aucune baisse pour {who}, qui prévoit {amount} {period}{growth}.",
    },
    "premise_growth": {"en": ", {percent}% more than in {year}", "fr": ", soit {percent} % de plus qu'en {year}"},
    "premise_figure": {
        "en": "The premise differs: the facts give {who} {amount} {period}, not {stated} billion.",
        "fr": "La prémisse diffère : les faits donnent pour {who} {amount} {period}, et non {stated} milliards.",
    },
    "premise_percent": {
        "en": "The premise differs: the facts say {percent}% more than in {year}, not {stated}%.",
        "fr": "La prémisse diffère : les faits indiquent {percent} % de plus qu'en {year}, et non {stated} %.",
    },
    "share_not_held": {
        "en": "The facts give no figure for {names}'s own part. They give {subject}'s total: {amount} {period}, shared by {partners}.",
        "fr": "Les faits ne donnent aucun chiffre pour la part de {names}. Ils donnent le total de {subject} : {amount} {period}, réparti entre {partners}.",
    },
    "detail_not_held": {
        "en": "The facts don't say that about {names}. What they do say: {statement}",
        "fr": "Les faits ne le disent pas pour {names}. Ce qu'ils disent : {statement}",
    },
})

# Arithmetic over amounts (bot/computed.py): each says it is derived and how.
TEXTS.update({
    "derived_stated": {"en": "{who}: {amount} {period}", "fr": "{who} : {amount} {period}"},
    "derived_periods_differ": {
        "en": "These figures cover different periods, so this mixes a yearly budget with a total over several years.",
        "fr": "Ces chiffres couvrent des périodes différentes : le calcul mêle un budget annuel et un total sur plusieurs années.",
    },
    "derived_sum": {
        "en": "Together: {total} billion {currency} (derived: {formula}). {stated}.",
        "fr": "Ensemble : {total} milliards {currency} (calcul dérivé : {formula}). {stated}.",
    },
    "derived_ratio": {
        "en": "{first}'s figure is {times} times {second}'s (derived: {formula}). {stated}.",
        "fr": "Le chiffre de {first} vaut {times} fois celui de {second} (calcul dérivé : {formula}). {stated}.",
    },
    "derived_per_year": {
        "en": "{stated}: about {each} billion {currency} a year if spread evenly (derived: {formula}).",
        "fr": "{stated} : environ {each} milliards {currency} par an si réparti également (calcul dérivé : {formula}).",
    },
    "derived_per_month": {
        "en": "{stated}: about {each} billion {currency} a month if spread evenly (derived: {formula}).",
        "fr": "{stated} : environ {each} milliards {currency} par mois si réparti également (calcul dérivé : {formula}).",
    },
    "derived_midpoint": {
        "en": "{stated}: the middle of that range is {middle} billion {currency} (derived: {formula}).",
        "fr": "{stated} : le milieu de cette fourchette est {middle} milliards {currency} (calcul dérivé : {formula}).",
    },
    "derived_increase": {
        "en": "{stated}, {percent}% more than in {year}: an increase of about {more} billion {currency} (derived: {formula}).",
        "fr": "{stated}, soit {percent} % de plus qu'en {year} : une hausse d'environ {more} milliards {currency} (calcul dérivé : {formula}).",
    },
})

# A direct answer to a who/when/where/what question, before the fact's statement.
TEXTS.update({
    "slot_when": {"en": "When: {value}.", "fr": "Quand : {value}."},
    "slot_where": {"en": "Where: {value}.", "fr": "Où : {value}."},
    "slot_what": {"en": "In short: {value}.", "fr": "En bref : {value}."},
    "slot_role": {"en": "{name}: {role}.", "fr": "{name} : {role}."},
})

TEXTS.update({
    "which_one": {
        "en": "Which one do you mean? Name the company, project or person you are asking about.",
        "fr": "De quoi parlez-vous ? Nommez l'entreprise, le projet ou la personne qui vous intéresse.",
    },
})
