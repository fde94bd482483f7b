"""Every sentence a person reads from the bot, in English and French, in one place.

Adapters and the core take their words from here, so a translation is one edit and no
message exists in only one language (a test checks that every key has both).
"""

from __future__ import annotations

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
    "or": {"en": "or", "fr": "ou"},
    "amount_range": {"en": "{low} to {high} billion {currency}", "fr": "{low} à {high} milliards de {currency}"},
    "amount_value": {"en": "{value} billion {currency}", "fr": "{value} milliards de {currency}"},
    "amount_up_to": {"en": "up to {value} billion {currency}", "fr": "jusqu'à {value} milliards de {currency}"},
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
    "span_note": {
        "en": "{who}'s figure is a total over {years} years (about {yearly} billion a year if spread evenly, derived), not a yearly budget.",
        "fr": "Le chiffre de {who} est un total sur {years} ans (environ {yearly} milliards par an s'il était réparti également, calcul dérivé), pas un budget annuel.",
    },
    "compare_more": {
        "en": "{first} plans more: {first_amount} {first_period}, against {second_amount} {second_period} for {second}, a difference of {gap} billion {currency} (derived).",
        "fr": "{first} prévoit davantage : {first_amount} {first_period}, contre {second_amount} {second_period} pour {second}, soit un écart de {gap} milliards de {currency} (calcul dérivé).",
    },
    "compare_periods": {
        "en": "{first}: {first_amount} {first_period}; {second}: {second_amount} {second_period}. These cover different periods, so they are not directly comparable.",
        "fr": "{first} : {first_amount} {first_period} ; {second} : {second_amount} {second_period}. Ces montants couvrent des périodes différentes et ne sont pas directement comparables.",
    },
    "previous_year": {
        "en": "{who} plans {amount} {period}, which the source says is {percent}% more than in {year}. That puts {year} at roughly {low} to {high} billion {currency} (derived: {amount_short} ÷ {factor}).",
        "fr": "{who} prévoit {amount} {period}, soit {percent} % de plus qu'en {year} selon la source. Cela situe {year} autour de {low} à {high} milliards de {currency} (calcul dérivé : {amount_short} ÷ {factor}).",
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
    # --- slack (adapters/slack) ---
    # --- discord (adapters/discord) ---
    # --- digest (bot/digest) ---
    "digest_headline": {"en": "Headline figures", "fr": "Chiffres clés"},
    "digest_new": {"en": "New since the last digest", "fr": "Nouveau depuis le dernier résumé"},
    "digest_fact_of_the_day": {"en": "Fact of the day", "fr": "Le fait du jour"},
    # --- end of adapter and digest texts ---
    "chat_intro": {
        "en": "aibot console: ask about AI investment in English or French. Ctrl-D or /quit to leave.",
        "fr": "Console aibot : posez vos questions sur les investissements dans l'IA. Ctrl-D ou /quit pour quitter.",
    },
}


def text(key: str, lang: Lang, **values: object) -> str:
    """The message ``key`` in ``lang`` with its blanks filled."""
    return TEXTS[key][lang].format(**values)


def month_year(date: str, lang: Lang) -> str:
    """ "2025-01" -> "January 2025" / "janvier 2025"; the source's own precision."""
    year, month = date[:4], int(date[5:7])
    return f"{MONTHS[lang][month - 1]} {year}"


def join_names(names: list[str], lang: Lang, conjunction: str = "and") -> str:
    if len(names) <= 1:
        return "".join(names)
    return f"{', '.join(names[:-1])} {text(conjunction, lang)} {names[-1]}"


def billions(value: float, lang: Lang) -> str:
    """60e9 -> "60"; 42.5e9 -> "42.5" (en) / "42,5" (fr)."""
    number = f"{value / 1e9:.1f}".rstrip("0").rstrip(".")
    return number.replace(".", ",") if lang == "fr" else number
