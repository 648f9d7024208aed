"""Fixed vocabularies (codes stored in the database) and their Italian labels,
plus the defaults of the editable reference lists.

Codes are stable identifiers (they travel in sync bundles and JSON output);
labels are what the user reads.
"""

from __future__ import annotations

from typing import Final

from taskforce_tui.domain.errors import DomainError
from taskforce_tui.domain.text import normalize

# --- practice status and outcome -------------------------------------------------
APERTA: Final = "aperta"
SOSPESA: Final = "sospesa"
CONCLUSA: Final = "conclusa"
ARCHIVIATA: Final = "archiviata"
PRACTICE_STATUSES: Final = (APERTA, SOSPESA, CONCLUSA, ARCHIVIATA)
OPEN_STATUSES: Final = (APERTA, SOSPESA)
PRACTICE_STATUS_LABELS: Final = {
    APERTA: "Aperta",
    SOSPESA: "Sospesa",
    CONCLUSA: "Conclusa",
    ARCHIVIATA: "Archiviata",
}

FAVOREVOLE: Final = "favorevole"
SFAVOREVOLE: Final = "sfavorevole"
SILENZIO_ASSENSO: Final = "silenzio_assenso"
OUTCOME_ARCHIVIATA: Final = "archiviata"
CONCLUSION_OUTCOMES: Final = (FAVOREVOLE, SFAVOREVOLE, SILENZIO_ASSENSO)
OUTCOMES: Final = (*CONCLUSION_OUTCOMES, OUTCOME_ARCHIVIATA)
OUTCOME_LABELS: Final = {
    FAVOREVOLE: "Espresso favorevole",
    SFAVOREVOLE: "Espresso sfavorevole",
    SILENZIO_ASSENSO: "Silenzio-assenso",
    OUTCOME_ARCHIVIATA: "Archiviata",
}

# --- requests (PAsS) ---------------------------------------------------------------
REQUEST_KINDS: Final = ("tecnica", "giuridica")
REQUEST_KIND_LABELS: Final = {"tecnica": "Tecnica", "giuridica": "Giuridica"}
REQ_NUOVA: Final = "nuova"
REQ_IN_LAVORAZIONE: Final = "in_lavorazione"
REQ_IN_ATTESA: Final = "in_attesa_comune"
REQ_EVASA: Final = "evasa"
REQ_CHIUSA: Final = "chiusa"
REQUEST_STATUSES: Final = (REQ_NUOVA, REQ_IN_LAVORAZIONE, REQ_IN_ATTESA, REQ_EVASA, REQ_CHIUSA)
REQUEST_OPEN_STATUSES: Final = (REQ_NUOVA, REQ_IN_LAVORAZIONE, REQ_IN_ATTESA)
REQUEST_STATUS_LABELS: Final = {
    REQ_NUOVA: "Nuova",
    REQ_IN_LAVORAZIONE: "In lavorazione",
    REQ_IN_ATTESA: "In attesa del Comune",
    REQ_EVASA: "Evasa",
    REQ_CHIUSA: "Chiusa",
}

# --- time logs ---------------------------------------------------------------------
MODE_PRESENZA: Final = "presenza"
MODE_REMOTO: Final = "remoto"
MODES: Final = (MODE_PRESENZA, MODE_REMOTO)
MODE_LABELS: Final = {MODE_PRESENZA: "In presenza", MODE_REMOTO: "Da remoto"}

# --- defaults of the editable reference lists ---------------------------------------
#: Ambiti of the "1000 esperti" programme (code, label).
DEFAULT_AMBITI: Final = (
    ("edilizia_urbanistica", "Edilizia e Urbanistica"),
    ("rinnovabili", "Rinnovabili"),
    ("valutazioni_ambientali", "Valutazioni e autorizzazioni ambientali"),
    ("bonifiche", "Bonifiche"),
    ("rifiuti", "Rifiuti"),
    ("appalti", "Appalti"),
    ("digitalizzazione", "Infrastrutture digitali e Digitalizzazione"),
    ("rendicontazione", "Rendicontazione"),
)

#: Procedure types (code, label, ambito, legal term in days). Terms are the usual
#: statutory maxima and are editable reference data, not law: check them locally.
DEFAULT_PROCEDURE_TYPES: Final = (
    ("via", "VIA - Valutazione di impatto ambientale", "valutazioni_ambientali", 150),
    ("verifica_via", "Verifica di assoggettabilità a VIA", "valutazioni_ambientali", 90),
    ("paur", "PAUR - Provvedimento autorizzatorio unico regionale", "valutazioni_ambientali", 200),
    ("aua", "AUA - Autorizzazione unica ambientale", "valutazioni_ambientali", 90),
    ("au_rinnovabili", "Autorizzazione unica (rinnovabili)", "rinnovabili", 90),
    ("pas", "PAS - Procedura abilitativa semplificata", "rinnovabili", 30),
    ("permesso_costruire", "Permesso di costruire", "edilizia_urbanistica", 90),
    ("scia", "SCIA - Segnalazione certificata di inizio attività", "edilizia_urbanistica", 30),
    ("paesaggistica", "Autorizzazione paesaggistica", "edilizia_urbanistica", 105),
    ("bonifica", "Bonifica - Piano di caratterizzazione e analisi di rischio", "bonifiche", 90),
    ("rifiuti_208", "Autorizzazione impianto rifiuti (art. 208)", "rifiuti", 150),
    ("appalto", "Appalto - Procedura di affidamento", "appalti", 180),
)

#: Activities for time logs (code, label).
DEFAULT_ACTIVITIES: Final = (
    ("affiancamento", "Affiancamento al personale del Comune"),
    ("istruttoria", "Istruttoria pratiche"),
    ("arretrato", "Smaltimento arretrato"),
    ("formazione", "Formazione"),
    ("riunione", "Riunione"),
    ("rendicontazione", "Rendicontazione"),
    ("trasferta", "Trasferta"),
    ("coordinamento", "Coordinamento con la Segreteria Tecnica"),
)


def choose(value: str, allowed: dict[str, str], what: str, field: str | None = None) -> str:
    """Match a user-typed code or label (case and accents ignored) to a code.

    Accepts the code itself, its label, or an unambiguous prefix of either.
    """
    wanted = normalize(value).replace(" ", "_").replace("-", "_")
    exact = [
        code
        for code, label in allowed.items()
        if wanted in (code, normalize(label).replace(" ", "_").replace("-", "_"))
    ]
    if len(exact) == 1:
        return exact[0]
    prefix = [
        code
        for code, label in allowed.items()
        if code.startswith(wanted)
        or normalize(label).replace(" ", "_").replace("-", "_").startswith(wanted)
    ]
    if wanted and len(prefix) == 1:
        return prefix[0]
    options = ", ".join(allowed)
    raise DomainError(f"{what} non valido: «{value}». Valori ammessi: {options}.", field)
