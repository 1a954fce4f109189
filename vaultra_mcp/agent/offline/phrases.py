"""The offline assistant's fixed phrases, in English and Spanish.

Figures, names and passages come from the tools and stay as the tools wrote them; only the
words around them are translated. ``say(language, key, **values)`` fills one phrase.
"""

from __future__ import annotations

from typing import Any

from vaultra_mcp.agent.offline.classifier import Language
from vaultra_mcp.agent.offline.results import label

CAN_HELP_EN = (
    "I can help with your business's funding readiness score, its Stripe numbers (volume, "
    "refunds, disputes, customers), what to do next, which financing fits it, and financing "
    "questions from Vaultra's knowledge base."
)
CAN_HELP_ES = (
    "Puedo ayudarte con la puntuación de preparación para financiamiento de tu negocio, sus "
    "números de Stripe (volumen, reembolsos, disputas, clientes), qué hacer a continuación, "
    "qué financiación le conviene y preguntas de financiamiento de la base de conocimientos "
    "de Vaultra."
)

PHRASES: dict[str, tuple[str, str]] = {
    "label": (
        "Offline assistant (no language model; answers come straight from Vaultra's tools).",
        "Asistente sin conexión (sin modelo de lenguaje; las respuestas salen directamente de "
        "las herramientas de Vaultra).",
    ),
    "no_guarantee": (
        "Lenders make their own decisions: this is guidance, not a promise of funding.",
        "Los prestamistas toman sus propias decisiones: esto es una guía, no una promesa de "
        "financiamiento.",
    ),
    "out_of_scope": (
        f"That question is outside what I can answer. {CAN_HELP_EN}",
        f"Esa pregunta está fuera de lo que puedo responder. {CAN_HELP_ES}",
    ),
    "help": (CAN_HELP_EN + " What would you like to know?", CAN_HELP_ES + " ¿Qué quieres saber?"),
    "clarify": (
        f"I'm not sure what you're asking. {CAN_HELP_EN} Which of these do you mean?",
        f"No estoy seguro de qué me preguntas. {CAN_HELP_ES} ¿A cuál de estas te refieres?",
    ),
    "injection": (
        "I can't do that: I only read and explain your own business's data. " + CAN_HELP_EN,
        "No puedo hacer eso: solo leo y explico los datos de tu propio negocio. " + CAN_HELP_ES,
    ),
    "what_if_unclear": (
        "Which figure should I change, and to what? For example: what if my disputes fell to "
        "0.3%, or what if I had 12 months of history?",
        "¿Qué cifra cambio, y a qué valor? Por ejemplo: ¿y si mis disputas bajaran al 0,3%, o "
        "si tuviera 12 meses de historial?",
    ),
    "status_unclear": (
        "Which recommendation, and should it be done, accepted or dismissed? For example: mark "
        "recommendation 8 as done.",
        "¿Qué recomendación, y la marco como hecha, aceptada o descartada? Por ejemplo: marca la "
        "recomendación 8 como hecha.",
    ),
    "not_yours": (
        "I can't find that business among the ones you have access to ({names}), so I can't "
        "answer about it.",
        "No encuentro ese negocio entre los que tienes acceso ({names}), así que no puedo "
        "responder sobre él.",
    ),
    "ask_which": (
        "You have several businesses. Which one do you mean: {names}?",
        "Tienes varios negocios. ¿A cuál te refieres: {names}?",
    ),
    "ask_which_plain": (
        "You have several businesses; which one do you mean?",
        "Tienes varios negocios; ¿a cuál te refieres?",
    ),
    "or": (" or ", " o "),
    "not_found": (
        "I can't find that among the businesses and records you have access to, so I can't "
        "answer about it.",
        "No encuentro eso entre los negocios y registros a los que tienes acceso, así que no "
        "puedo responder.",
    ),
    "tool_failed": (
        "The {tool} tool could not answer: {message}",
        "La herramienta {tool} no pudo responder: {message}",
    ),
    "next_step": ("Next step: {step}", "Siguiente paso: {step}"),
    "sources": ("Sources:", "Fuentes:"),
    "points": ("points", "puntos"),
    # readiness
    "score": (
        "{name} scores {score}/100 ({tier}).",
        "{name} tiene una puntuación de {score}/100 ({tier}).",
    ),
    "hurts_most": ("What hurts most:", "Lo que más te perjudica:"),
    "nothing_hurts": (
        "Nothing hurts much; furthest from full points:",
        "Nada perjudica mucho; lo más lejos de la puntuación completa:",
    ),
    "target": (" Target: {target}.", " Meta: {target}."),
    "helps_most": ("What helps most: {items}.", "Lo que más te ayuda: {items}."),
    "note": ("Note: {note}", "Nota: {note}"),
    "readiness_next": (
        "work on {component} first (target: {target}); ask me what to do next for the steps.",
        "trabaja primero en {component} (meta: {target}); pregúntame qué hacer a continuación "
        "para ver los pasos.",
    ),
    "readiness_next_none": (
        "ask me which funding options fit your business.",
        "pregúntame qué opciones de financiamiento le convienen a tu negocio.",
    ),
    # recommendations
    "recs_none": (
        "{name} has no {status} recommendations right now.",
        "{name} no tiene recomendaciones ({status}) por ahora.",
    ),
    "recs_lead": ("Start with: {title}{worth}.", "Empieza por: {title}{worth}."),
    "worth": (", about +{gain} points", ", unos +{gain} puntos"),
    "recs_header": ("Recommended steps for {name}:", "Pasos recomendados para {name}:"),
    "rec_line": (
        "- {title} (#{id}, {priority} priority{worth}): {why}",
        "- {title} (#{id}, prioridad {priority}{worth}): {why}",
    ),
    # metrics
    "m_volume": (
        "{gross} in gross card volume over {window} ({count} payments, average {ticket}), {net} "
        "net.",
        "{gross} de volumen bruto con tarjeta en {window} ({count} pagos, promedio {ticket}), "
        "{net} neto.",
    ),
    "m_disputes": (
        "disputes were {pct}% of payments over {window} ({count} disputes){verdict}; benchmark: "
        "{benchmark}.",
        "las disputas fueron el {pct}% de los pagos en {window} ({count} disputas){verdict}; "
        "referencia: {benchmark}.",
    ),
    "m_refunds": (
        "refunds were {pct}% of volume over {window}{verdict}; benchmark: {benchmark}.",
        "los reembolsos fueron el {pct}% del volumen en {window}{verdict}; referencia: "
        "{benchmark}.",
    ),
    "m_within": (": within the benchmark", ": dentro de la referencia"),
    "m_above": (": above the benchmark", ": por encima de la referencia"),
    "m_customers": (
        "{count} customers paid over {window}; the largest is {share}% of yearly volume (top "
        "three {top3}%).",
        "{count} clientes pagaron en {window}; el mayor es el {share}% del volumen anual (los "
        "tres mayores, {top3}%).",
    ),
    "m_growth": (
        "volume changed {growth:+g}% vs the previous period; {months} months of history.",
        "el volumen cambió {growth:+g}% frente al periodo anterior; {months} meses de historial.",
    ),
    "m_no_growth": (
        "not enough history yet to compare periods; {months} months of history.",
        "aún no hay historial suficiente para comparar periodos; {months} meses de historial.",
    ),
    "m_payouts": ("{count} failed payouts.", "{count} pagos fallidos a tu cuenta."),
    "window_90d": ("the last 90 days", "los últimos 90 días"),
    "window_6m": ("the last 6 months", "los últimos 6 meses"),
    "window_12m": ("the last 12 months", "los últimos 12 meses"),
    "metrics_next_disputes": (
        "ask me how to bring disputes down, or what your score would be if they fell to 0.3%.",
        "pregúntame cómo bajar las disputas, o cuál sería tu puntuación si bajaran al 0,3%.",
    ),
    "metrics_next_refunds": (
        "ask me how to lower refunds, or what your score would be at a lower refund rate.",
        "pregúntame cómo bajar los reembolsos, o cuál sería tu puntuación con menos reembolsos.",
    ),
    "metrics_next": (
        "ask me what's hurting your readiness to see how these figures score.",
        "pregúntame qué perjudica tu preparación para ver cómo puntúan estas cifras.",
    ),
    # context, businesses, status
    "context": (
        "{name}: {industry}, {country}, {entity}, founded {founded} ({years} years in "
        "business).{goal} Connected: {integrations}.",
        "{name}: {industry}, {country}, {entity}, fundada el {founded} ({years} años en el "
        "negocio).{goal} Conectado: {integrations}.",
    ),
    "goal": (
        " Funding goal: {amount} for {purpose}.",
        " Meta de financiamiento: {amount} para {purpose}.",
    ),
    "unspecified_use": ("an unspecified use", "un uso sin especificar"),
    "no_integrations": ("no integrations yet", "ninguna integración todavía"),
    "businesses": ("Your businesses: {names}.", "Tus negocios: {names}."),
    "status_done": (
        'Recorded: recommendation #{id} "{title}" is now {status}.',
        'Registrado: la recomendación #{id} "{title}" ahora está {status}.',
    ),
    # funding
    "options_lead": (
        "{owner} best fit: {products} (likely).",
        "La mejor opción para {name}: {products} (probable).",
    ),
    "options_none_likely": (
        "No product is a likely fit for {name} yet; the closest: {products}.",
        "Todavía ningún producto es una opción probable para {name}; los más cercanos: {products}.",
    ),
    "options_nothing": (
        "No product fits {name} yet.",
        "Todavía ningún producto le conviene a {name}.",
    ),
    "option_line": ("- {fit}: {name}.{size}{gaps}{check}", "- {fit}: {name}.{size}{gaps}{check}"),
    "size": (" {span} ({basis}).", " {span} ({basis})."),
    "size_basis": (" Amount: {basis}.", " Monto: {basis}."),
    "up_to": ("Up to {amount}", "Hasta {amount}"),
    "not_met": (" Not met: {items}.", " No cumple: {items}."),
    "to_check": (" To check: {items}.", " Por verificar: {items}."),
    "met": ("Met: {items}.", "Cumple: {items}."),
    "fit_likely": (
        "Likely: {name} meets every criterion of {product} that Stripe data can show.",
        "Probable: {name} cumple todos los criterios de {product} que los datos de Stripe "
        "pueden mostrar.",
    ),
    "fit_possible": (
        "Possibly: {name} meets what Vaultra can check for {product}; {items} can't be seen in "
        "Stripe data.",
        "Posiblemente: {name} cumple lo que Vaultra puede verificar para {product}; {items} no "
        "se ve en los datos de Stripe.",
    ),
    "fit_unlikely": (
        "Not yet: {product} needs {items}.",
        "Todavía no: {product} requiere {items}.",
    ),
    "fit_label_likely": ("Likely", "Probable"),
    "fit_label_possible": ("Possible", "Posible"),
    "fit_label_unlikely": ("Unlikely", "Poco probable"),
    "criteria_from": (
        "What lenders ask ({title}): {text}",
        "Lo que piden los prestamistas ({title}): {text}",
    ),
    "next_unknown": (
        'check {item} yourself, then gather the documents lenders ask for (ask me "what '
        'documents do I need?").',
        "verifica tú mismo {item} y luego reúne los documentos que piden los prestamistas "
        '(pregúntame "¿qué documentos necesito?").',
    ),
    "next_gap": (
        "close the gap first: {item}. Ask me what to do next for the steps.",
        "cierra primero esta brecha: {item}. Pregúntame qué hacer a continuación para ver los "
        "pasos.",
    ),
    "next_apply": (
        'gather the documents lenders ask for (ask me "what documents do I need?") and compare '
        "offers.",
        'reúne los documentos que piden los prestamistas (pregúntame "¿qué documentos '
        'necesito?") y compara ofertas.',
    ),
    "next_options": (
        'ask me about one product (for example "can I get {product}?") for its criteria.',
        'pregúntame por un producto (por ejemplo "¿califico para {product}?") para ver sus '
        "criterios.",
    ),
    # what-if
    "whatif_lead": (
        "With {applied}, {owner} score would go from {before} to {after} ({delta:+d} points): "
        "{tier_before} to {tier_after}.",
        "Con {applied}, la puntuación de {name} pasaría de {before} a {after} ({delta:+d} "
        "puntos): de {tier_before} a {tier_after}.",
    ),
    "whatif_moved": ("Moved: {items}.", "Cambia: {items}."),
    "whatif_unmoved": ("No component moved.", "Ningún componente cambia."),
    "whatif_saved": ("Nothing was saved.", "No se guardó nada."),
    "then_likely": (
        "Then {product}: likely, since {applied} would meet {items}.",
        "Entonces {product}: probable, ya que con {applied} cumpliría {items}.",
    ),
    "then_fit": ("Then {product}: {fit}.{rest}", "Entonces {product}: {fit}.{rest}"),
    "then_untouched": (
        " The change does not touch its published criteria.",
        " El cambio no afecta a sus criterios publicados.",
    ),
    "then_now_met": (" Newly met: {items}.", " Pasaría a cumplir: {items}."),
    "then_still": (" Still needed: {items}.", " Seguiría faltando: {items}."),
    "then_check": (" Still to check: {items}.", " Falta verificar: {items}."),
    "then_changed": ("Funding fit after the change: {items}.", "Opciones tras el cambio: {items}."),
    "then_same": (
        "No funding option's fit changes: their criteria don't use {applied}.",
        "Ninguna opción de financiamiento cambia: sus criterios no usan {applied}.",
    ),
    "whatif_next": (
        "ask me what to do next for how to get there.",
        "pregúntame qué hacer a continuación para saber cómo llegar.",
    ),
    # knowledge
    "kb_from": (
        "From Vaultra's knowledge base:",
        "De la base de conocimientos de Vaultra (en inglés):",
    ),
    "kb_docs": (
        "What lenders usually ask for, from Vaultra's knowledge base:",
        "Lo que suelen pedir los prestamistas, según la base de conocimientos de Vaultra (en "
        "inglés):",
    ),
    "kb_unsure": (
        "I could not find a confident answer in Vaultra's knowledge base; the closest passages "
        "follow.",
        "No encontré una respuesta segura en la base de conocimientos de Vaultra; estos son los "
        "pasajes más cercanos.",
    ),
    "kb_nothing": (
        "Vaultra's knowledge base has nothing on that question.",
        "La base de conocimientos de Vaultra no tiene nada sobre esa pregunta.",
    ),
    "kb_next_product": (
        'ask me "can I get {product}?" to check your business against its criteria.',
        'pregúntame "¿califico para {product}?" para comparar tu negocio con sus criterios.',
    ),
    "kb_next_documents": (
        "gather these before you apply; ask me which funding options fit your business.",
        "reúnelos antes de solicitar; pregúntame qué opciones de financiamiento le convienen a "
        "tu negocio.",
    ),
}

TIER_ES = {
    "lender_ready": "Listo para prestamistas",
    "needs_work": "A uno o dos arreglos",
    "not_ready": "Todavía no está listo",
    "insufficient_data": "Historial insuficiente",
}
COMPONENT_ES = {
    "processing_history": "historial de procesamiento",
    "revenue_scale": "escala de ingresos",
    "revenue_growth": "crecimiento de ingresos",
    "revenue_stability": "estabilidad de ingresos",
    "dispute_activity": "actividad de disputas",
    "refund_rate": "tasa de reembolsos",
    "customer_concentration": "concentración de clientes",
    "customer_base": "base de clientes",
    "payout_health": "salud de los pagos a tu cuenta",
}
PRODUCT_ES = {
    "stripe_capital": "Stripe Capital",
    "revenue_based_financing": "Financiamiento basado en ingresos (revenue-based financing)",
    "merchant_cash_advance": "Adelanto de efectivo para comerciantes (merchant cash advance)",
    "online_term_loan": "Préstamo a plazo en línea (online term loan)",
    "online_line_of_credit": "Línea de crédito en línea (online line of credit)",
    "bank_line_of_credit": "Línea de crédito bancaria (bank line of credit)",
    "bank_term_loan": "Préstamo bancario a plazo (bank term loan)",
    "sba_7a": "Préstamo SBA 7(a)",
    "sba_7a_small": "Préstamo pequeño SBA 7(a) (SBA 7(a) Small Loan)",
    "sba_express": "Préstamo SBA Express",
    "sba_microloan": "Microcrédito SBA (SBA Microloan)",
    "equipment_financing": "Financiamiento de equipos (equipment financing)",
    "invoice_factoring": "Factoraje de facturas (invoice factoring)",
    "clearco": "Clearco",
}
STATUS_ES = {"done": "hecha", "accepted": "aceptada", "dismissed": "descartada", "open": "abiertas"}


def say(language: Language, key: str, **values: Any) -> str:
    english, spanish = PHRASES[key]
    return (spanish if language == "es" else english).format(**values)


def possessive(name: str) -> str:
    """ "Voltline Gadgets'" and "Old Mill Bakery's"."""
    return f"{name}'" if name.endswith("s") else f"{name}'s"


def component(key: str, language: Language) -> str:
    """A score component's name: ``dispute_activity`` -> "dispute activity"."""
    return COMPONENT_ES.get(key, label(key)) if language == "es" else label(key)
