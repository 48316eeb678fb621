"""The course's exercises as widgets: boxes, choices and a Check button, no Python to type.

Each exercise gets the control that fits it (a text box for a number, Yes/No buttons, one
button per choice, and a 1-6 drop-down beside each part of the request message), a **Check**
button, a **Show answer** button and a line of feedback; one score line is shared by all. The
checking itself is :class:`~oos_analysis.report.training.Quiz`. Where widgets cannot be drawn
(under nbval, or in the printed handout) every exercise shows its worked answer instead, so the
notebook always has something to read. ipywidgets is imported only when the widgets are built.
"""

from __future__ import annotations

import html

from .course import LANGUAGES, course_text
from .training import EXERCISES, MESSAGE_PARTS, Quiz

__all__ = ["ExerciseBook", "answer_text", "feedback_text", "worked_answer"]

# The order the message parts are listed in the exercise: fixed, and not the answer.
SHUFFLED_PARTS = ("request", "apology_again", "thanks", "procedure_url", "reason", "apology")


def _words(name: str, lang: str) -> dict:
    return course_text(lang)["exercises"][name]


def option_labels(name: str, lang: str) -> dict:
    """Option key to its label in ``lang`` (choices and message parts)."""
    exercise = EXERCISES[name]
    if exercise.kind == "order":
        return dict(_words(name, lang)["parts"])
    if exercise.kind == "choice":
        values = course_text(lang)["values"]
        return {key: values[key] for key in exercise.options}
    return {}


def answer_text(name: str, lang: str) -> str:
    """The right answer, written for a person.

    Examples
    --------
    >>> answer_text("budget", "en"), answer_text("rate", "en"), answer_text("listing", "ja")
    ('1', '1.875', 'はい')
    >>> answer_text("first_choice", "en")
    'Buy it, even at a loss'
    """
    exercise = EXERCISES[name]
    labels = course_text(lang)["labels"]
    if exercise.kind == "number":
        return f"{exercise.answer:g}"
    if exercise.kind == "yesno":
        return labels["yes" if exercise.answer else "no"]
    options = option_labels(name, lang)
    if exercise.kind == "choice":
        return options[exercise.answer]
    return " → ".join(f"{i}. {options[key]}" for i, key in enumerate(exercise.answer, start=1))


def feedback_text(name: str, status: str, lang: str) -> str:
    """What the person reads after pressing Check (or Show answer: ``status="shown"``).

    Examples
    --------
    >>> feedback_text("budget", "hint", "en").startswith("Not quite. Hint: Under 2.5 %")
    True
    >>> feedback_text("budget", "revealed", "ja").startswith("残念、正解は 1 です。")
    True
    """
    labels, words = course_text(lang)["labels"], _words(name, lang)
    answer = answer_text(name, lang)
    if status == "right":
        return f"{labels['right']} {words['explanation']}"
    if status == "hint":
        return f"{labels['wrong_hint']} {words['hint']}"
    if status == "revealed":
        return f"{labels['wrong_answer'].format(answer=answer)} {words['explanation']}"
    if status == "shown":
        return f"{labels['revealed'].format(answer=answer)} {words['explanation']}"
    if status == "empty":
        return labels["empty"]
    kind = EXERCISES[name].kind
    return labels[f"unreadable_{kind}"]


def worked_answer(name: str, lang: str, number: int | None = None) -> str:
    """One exercise as Markdown: the question, the options, the answer and why."""
    labels, words = course_text(lang)["labels"], _words(name, lang)
    prefix = f"{number}. " if number is not None else ""
    lines = [f"**{prefix}{words['question']}**", ""]
    options = option_labels(name, lang)
    if EXERCISES[name].kind == "order":
        options = {key: options[key] for key in SHUFFLED_PARTS}
    lines += [f"* {label}" for label in options.values()]  # another marker: another list
    if options:
        lines.append("")
    colon = "：" if lang == "ja" else ": "
    # A list, not a quote: the handout's sanitizer would escape a quote's ">".
    lines += [f"- **{labels['answer']}**{colon}{answer_text(name, lang)}",
              f"- **{labels['why']}**{colon}{words['explanation']}"]
    return "\n".join(lines)


def _both_languages(name: str) -> dict:
    """Option key to its labels in every language, so a person may type either."""
    out: dict = {}
    for lang in LANGUAGES:
        for key, label in option_labels(name, lang).items():
            out.setdefault(key, []).append(label)
    return out


class ExerciseBook:
    """All exercises of the course, with one shared score.

    Displayed in a live notebook it is a column of widgets; elsewhere (nbval, the HTML
    handout) it is the worked answers. ``handout=True`` shows only the worked answers.
    """

    def __init__(self, lang: str = "ja", *, handout: bool = False):
        course_text(lang)
        self.lang, self.handout = lang, handout
        self.quiz = Quiz(labels={name: _both_languages(name) for name in EXERCISES})
        self._box = None

    def markdown(self) -> str:
        """Every exercise with its worked answer, numbered."""
        return "\n\n".join(worked_answer(name, self.lang, i)
                             for i, name in enumerate(EXERCISES, start=1))

    def score_text(self) -> str:
        quiz = self.quiz
        return course_text(self.lang)["labels"]["score"].format(
            right=quiz.right, total=quiz.total, answered=quiz.answered)

    @property
    def widget(self):
        """The widgets (built on first use)."""
        if self._box is None:
            self._box = self._build()
        return self._box

    def _repr_mimebundle_(self, include=None, exclude=None):
        if self.handout:
            return {"text/markdown": self.markdown()}
        bundle = dict(self.widget._repr_mimebundle_(include=include, exclude=exclude) or {})
        bundle["text/plain"] = self.markdown()
        return bundle

    # -- widgets ---------------------------------------------------------------------------

    def _build(self):
        import ipywidgets as widgets

        self.score = widgets.HTML(self._score_html())
        cards = [self._card(i, name) for i, name in enumerate(EXERCISES, start=1)]
        return widgets.VBox([self.score, *cards, widgets.HTML("<hr>")],
                            layout=widgets.Layout(max_width="860px"))

    def _score_html(self) -> str:
        return f"<b>{html.escape(self.score_text())}</b>"

    def _card(self, number: int, name: str):
        import ipywidgets as widgets

        labels, words = course_text(self.lang)["labels"], _words(name, self.lang)
        question = widgets.HTML(f"<p><b>{number}.</b> {html.escape(words['question'])}</p>")
        control, read = self._control(name)
        check = widgets.Button(description=labels["check"], button_style="primary")
        show = widgets.Button(description=labels["show_answer"])
        feedback = widgets.HTML()

        def say(status: str) -> None:
            colour = {"right": "#1a7f37", "hint": "#9a6700", "revealed": "#cf222e"}.get(status)
            style = f' style="color:{colour}"' if colour else ""
            text = html.escape(feedback_text(name, status, self.lang))
            feedback.value = f"<p{style}>{text}</p>"
            self.score.value = self._score_html()

        check.on_click(lambda _: say(self.quiz.attempt(name, read())))

        def on_show(_):
            self.quiz.reveal(name)
            say("shown")

        show.on_click(on_show)
        return widgets.VBox([question, control, widgets.HBox([check, show]), feedback],
                            layout=widgets.Layout(border="1px solid #ddd", padding="6px",
                                                  margin="6px 0"))

    def _control(self, name: str):
        """The input widget of one exercise, and a function that reads its answer."""
        import ipywidgets as widgets

        exercise, labels = EXERCISES[name], course_text(self.lang)["labels"]
        if exercise.kind == "number":
            box = widgets.Text(placeholder=labels["your_answer"],
                               layout=widgets.Layout(width="12em"))
            return box, lambda: box.value
        if exercise.kind == "yesno":
            buttons = widgets.ToggleButtons(options=[(labels["yes"], "yes"), (labels["no"], "no")],
                                            value=None)
            return buttons, lambda: buttons.value
        options = option_labels(name, self.lang)
        if exercise.kind == "choice":
            radio = widgets.RadioButtons(options=[(label, key) for key, label in options.items()],
                                         value=None, layout=widgets.Layout(width="auto"))
            return radio, lambda: radio.value
        slots = {key: widgets.Dropdown(options=[("–", None)] + [(str(i), i) for i in
                                                                range(1, len(MESSAGE_PARTS) + 1)],
                                       layout=widgets.Layout(width="5em"))
                 for key in SHUFFLED_PARTS}
        rows = [widgets.HBox([slots[key], widgets.Label(options[key])]) for key in SHUFFLED_PARTS]

        def read():
            picked = {key: slot.value for key, slot in slots.items()}
            return None if all(v is None for v in picked.values()) else picked

        return widgets.VBox(rows), read
