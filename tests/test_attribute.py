"""The script builder's attribution rules, one cue at a time, and the shipped chapter 19 script."""

from __future__ import annotations

import dataclasses

import pytest

from narrate.attribute import DEFAULT_WEIGHTS, Attributor, attribute_chapter, build_script, found, sentences
from narrate.errors import TextError
from narrate.script import CHECK_BELOW, UNCAST, keep_corrections, load_script, summarize
from narrate.text import load_chapter, parse_chapter
from narrate.voices import CastSpec

from .conftest import REPO


def man(name: str, *aliases: str) -> dict[str, object]:
    return {"name": name, "aliases": list(aliases), "gender": "male"}


def woman(name: str, *aliases: str) -> dict[str, object]:
    return {"name": name, "aliases": list(aliases), "gender": "female"}


def cast_of(narrator: str | None = None, **characters: dict[str, object]) -> CastSpec:
    """A cast in third person, or in first person when narrator is one of the characters' ids."""
    person = {"person": "first", "character": narrator} if narrator else {"person": "third"}
    return CastSpec.model_validate({"narrator": person, "characters": characters})


FIRST_PERSON_CAST = cast_of(narrator="pestana", pestana=man("Pestaña"), lenin=man("Lenin", "Vladimir Ilyich"))
FIRST_PERSON_CAST_WITH_JOHNSON = cast_of(
    narrator="pestana", pestana=man("Pestaña"), lenin=man("Lenin"), johnson=man("Dr. Johnson")
)
ARTICLE_CAST = cast_of(narrator="pip", pip=man("Pip"), sergeant=man("The sergeant"), joe=man("Joe", "blacksmith"))
TOUR_CAST = cast_of(
    narrator="me", me=man("Mark"), party=man("The party", "we", "us"), doctor=man("The doctor"), guide=man("The guide")
)
OFFICE_CAST = cast_of(
    keeper=man("Mr. Keeper", "the lawyer"), stranger=man("Stranger"), clerk=man("The clerk"), ada=woman("Ada")
)
BOAT_CAST = cast_of(narrator="j", j=man("J."), george=man("George"), we=man("We", "we", "the others"))
PARTY_CAST = cast_of(
    carol=woman("Carol"), kennicott=man("Kennicott"), juanita=woman("Juanita"), elder=man("Jack Elder", "Jackson Elder")
)
THIRD_PERSON_CAST = cast_of(
    alice=woman("Alice"), rabbit=man("White Rabbit", "the Rabbit"), queen=woman("Queen of Hearts", "the Queen")
)


def speakers(text: str, cast: CastSpec) -> list[tuple[str, str]]:
    """(speaker, cue) of every quotation in text."""
    chapter = parse_chapter(text)
    return [(a.speaker, a.cue) for para in attribute_chapter(chapter, cast) for a in para]


@pytest.mark.parametrize(
    ("text", "cast", "expected"),
    [
        ("“Not at all,” Lenin responded.", FIRST_PERSON_CAST, [("lenin", "tag")]),
        ("“Come here,” said Alice.", THIRD_PERSON_CAST, [("alice", "tag")]),
        ("“Come here,” said the Rabbit.", THIRD_PERSON_CAST, [("rabbit", "tag")]),
        ("“Quite possibly,” we responded.", FIRST_PERSON_CAST, [("pestana", "first-person tag")]),
        ("“No,” I said.", FIRST_PERSON_CAST, [("pestana", "first-person tag")]),
        (
            "We met Lenin.\n\n“When do you plan to leave?”, he asked us.",
            FIRST_PERSON_CAST,
            [("lenin", "pronoun tag")],
        ),
        # "she" is the subject of the last sentence that names a woman, not the last woman named
        (
            "Alice saw the Rabbit and the Queen.\n\n“Hurry!” she cried.",
            THIRD_PERSON_CAST,
            [("alice", "pronoun tag")],
        ),
        # ...and a character who just came in, over the one the conversation expects
        (
            "“Tea?” said Alice.\n\n“No,” said the Rabbit.\n\nAt that moment the Queen joined them."
            "\n\n“Off with his head!” she cried.",
            THIRD_PERSON_CAST,
            [("alice", "tag"), ("rabbit", "tag"), ("queen", "pronoun tag")],
        ),
        (
            "We met Lenin. Following a pause, he then added:\n\n“Let us cut to the chase.”",
            FIRST_PERSON_CAST,
            [("lenin", "pronoun tag")],
        ),
        # one paragraph, one speaker: the untagged second part of an interrupted quotation
        (
            "“Very much,” we answered. “You have taken care of us.”",
            FIRST_PERSON_CAST,
            [("pestana", "first-person tag"), ("pestana", "first-person tag")],
        ),
        # the name inside the quotation is the person addressed
        (
            "“Stay,” Lenin said.\n\n“No,” we said.\n\n“Wrong; you are mistaken, Pestaña.”",
            FIRST_PERSON_CAST,
            [("lenin", "tag"), ("pestana", "first-person tag"), ("lenin", "vocative")],
        ),
        # alternation in a two-person exchange
        (
            "“Stay,” Lenin said.\n\n“We cannot.”\n\n“Then go.”",
            FIRST_PERSON_CAST,
            [("lenin", "tag"), ("pestana", "alternation"), ("lenin", "alternation")],
        ),
        # a speech left open continues in the next paragraph with the same speaker
        (
            '"It was long ago," said Alice, "and far away.\n\n"We never went back."',
            THIRD_PERSON_CAST,
            [("alice", "tag"), ("alice", "tag"), ("alice", "open quotation")],
        ),
        # nothing to go on
        ("“Who is there?”", THIRD_PERSON_CAST, [("unknown", "none")]),
        # an action beat: the character doing something in the paragraph speaks
        ("Lenin came in.\n\n“We must talk.” Lenin took off his coat.", FIRST_PERSON_CAST, [("lenin", "beat")]),
        # the subject right before the speech verb, not the first one of the sentence
        (
            "We met Lenin.\n\nI gave him the details he asked for, and then he said:\n\n“So you will not stay.”",
            FIRST_PERSON_CAST,
            [("lenin", "pronoun tag")],
        ),
        # a connective carries the same speech on
        (
            "“Stay,” Lenin said.\n\n“We cannot, and we will not, whatever you may say to us.”"
            "\n\n“However, we will write.”",
            FIRST_PERSON_CAST,
            [("lenin", "tag"), ("pestana", "alternation"), ("pestana", "continuation")],
        ),
        # after a long speech, a paragraph that argues on without turning to the listener (no
        # question, no "you", no name) is the same speech; one that says "you" is a reply
        *[
            (
                "“Will you stay?” Lenin asked.\n\n“No. We came to study the unions, and we have seen enough of them"
                " to know that they are run from above, by men who were never elected and who answer to nobody but"
                f" the party that put them there.”\n\n“A union that does not choose its own officers is {end}”",
                FIRST_PERSON_CAST,
                [("lenin", "tag"), ("pestana", "answer"), expected],
            )
            for end, expected in [
                ("not a union at all, but an office of the state with a union’s name.", ("pestana", "continuation")),
                ("not a union, as you will find out in time.", ("lenin", "alternation")),
            ]
        ],
        # whoever keeps silent did not say it, and was most likely spoken to
        *[
            (
                f"The captain came up to Sam.\n\n“Will you answer me?” {silence}",
                cast_of(captain=man("The captain"), sam=man("Sam")),
                [("captain", "mention")],
            )
            for silence in [
                "Sam made no answer.",
                "Sam said not a word.",
                "Sam didn’t reply.",
                "Sam winced with pain, but said nothing.",
            ]
        ],
        # an answer to a question comes from someone else, even someone the text never names
        (
            "“Are you coming?” asked Alice.\n\n“No.”\n\n“Why not?”",
            THIRD_PERSON_CAST,
            [("alice", "tag"), ("unknown", "none"), ("alice", "answer")],
        ),
        # the person a quotation addresses by name answers it, even with a third person present
        (
            "Alice, the Rabbit and the Queen sat down.\n\n“Tea,” said the Queen.\n\n“I am late,” said the Rabbit."
            "\n\n“You are always late, Alice.”\n\n“I am not.”",
            THIRD_PERSON_CAST,
            [("queen", "tag"), ("rabbit", "tag"), ("queen", "answer"), ("alice", "vocative")],
        ),
        # a cast's "The sergeant" is "the sergeant" in a sentence, and any determiner may come
        # before a name: "the gallant sergeant", "the old blacksmith"
        (
            "“Halt!” said the sergeant.\n\n“Who goes?” said the old blacksmith.\n\n"
            "“Friends,” returned the gallant sergeant.\n\nThe fire was low.",
            ARTICLE_CAST,
            [("sergeant", "tag"), ("joe", "tag"), ("sergeant", "tag")],
        ),
        # "Mr." in the cast, "Mr" in the text (or the other way round), a name across a line break
        (
            "“Tea?” said Mr Bennet.\n\n“No,” said Mrs.\nBennet.",
            cast_of(mr=man("Mr. Bennet"), mrs=woman("Mrs Bennet")),
            [("mr", "tag"), ("mrs", "tag")],
        ),
        # a tag right against the quotation needs no comma; "Mrs." does not end the sentence, so
        # its subject is Mrs. Bennet and not the "I" of a clause inside it
        (
            "Mrs. Bennet looked at me as if I were a ghost, and asked, “Why?” Everybody then murmured “True!”",
            CastSpec.model_validate(
                {
                    "narrator": {"person": "first", "character": "me"},
                    "characters": {
                        "me": {"name": "Kitty", "gender": "female"},
                        "mrs": {"name": "Mrs. Bennet", "gender": "female"},
                        "all": {"name": "Everybody", "gender": "unknown"},
                    },
                }
            ),
            [("mrs", "preceding tag"), ("all", "preceding tag")],
        ),
        # "said Laurie's warm, boyish voice" is Laurie speaking
        (
            "“Tea?” said the Queen.\n\n“Late!” said the White Rabbit’s anxious, shrill voice.",
            THIRD_PERSON_CAST,
            [("queen", "tag"), ("rabbit", "tag")],
        ),
        # a narrator who is never heard in a conversation does not answer in it
        (
            "The guide led us to the Forum.\n\n“Is it old?” asked the doctor.\n\n“No.”\n\n“How old?”"
            "\n\n“A thousand years.”",
            TOUR_CAST,
            [("doctor", "tag"), ("guide", "answer"), ("doctor", "alternation"), ("guide", "answer")],
        ),
        # ...and one who is heard does not cut in to answer questions put to someone else
        (
            "“Sit down,” I said.\n\n“Thank you,” said the guide.\n\n“When did you come?” asked the doctor."
            "\n\n“In May.”\n\n“Alone?”\n\n“With my father.”",
            TOUR_CAST,
            [
                ("me", "first-person tag"),
                ("guide", "tag"),
                ("doctor", "tag"),
                ("guide", "answer"),
                ("doctor", "alternation"),
                ("guide", "answer"),
            ],
        ),
        # a pronoun the cast gives to a character is theirs; "us" is never a subject
        ("“Where now?” we asked.", TOUR_CAST, [("party", "first-person tag")]),
        ("The guide stops. He shows us a bust and says: “Colombo!”", TOUR_CAST, [("guide", "pronoun tag")]),
        # "he" is the character most in mind (salience): the subject of the narration, not the
        # man named last; a pronoun continues its sentence's subject; "touched him" is not the toucher
        (
            "A clerk came in with a letter. Stranger read it twice, and frowned. Then he threw it down."
            " “Nonsense,” he muttered.",
            OFFICE_CAST,
            [("stranger", "pronoun tag")],
        ),
        (
            "Mr. Keeper stepped out and touched him on the arm.\n\nStranger shrank back. But his fear was"
            " brief; and though he did not look the lawyer in the face, he answered coolly: “What do you want?”",
            OFFICE_CAST,
            [("stranger", "pronoun tag")],
        ),
        # ...but the subject of the sentence just before the quotation beats a man more salient
        # from earlier sentences (centering): Stranger is in every sentence, Mr. Keeper acts last
        (
            "Stranger came in. Stranger sat down, and Stranger waited.\n\nMr. Keeper stole up and touched"
            " Stranger on the arm. “Not here,” he whispered.",
            OFFICE_CAST,
            [("keeper", "pronoun tag")],
        ),
        (
            "Stranger came in. Stranger sat down, and Stranger waited.\n\nMr. Keeper looked at the ceiling"
            " for a while, as Stranger talked on.\n\n“Hush!” he said at last.",
            OFFICE_CAST,
            [("keeper", "pronoun tag")],
        ),
        # a name or title quoted in the narration is nobody's speech; one word in title case is a
        # title only after "the", "in", "at" or "of"
        (
            "Stranger and Ada dined at “The Blue Boar” that night.\n\n“Good,” said Stranger.",
            OFFICE_CAST,
            [("unknown", "title"), ("stranger", "tag")],
        ),
        ("Stranger followed it up with “Humbug.”", OFFICE_CAST, [("stranger", "beat")]),
        # ...and after a speech verb, a line in title case is speech
        ("Ada said “Good Morning.”", OFFICE_CAST, [("ada", "preceding tag")]),
        # a letter quoted over several paragraphs is its signer's, from its first line
        (
            "Stranger found a note on the table.\n\n“Dear Sir,\n\n“I write in haste. Meet me at noon.\n\n“ADA.”",
            OFFICE_CAST,
            [("ada", "mention"), ("ada", "open quotation"), ("ada", "open quotation")],
        ),
        # ...but a lone name called out ends nobody's letter
        (
            "Stranger came in.\n\n“I went to the river,” said Stranger. “I waited all night.\n\n“Then I slept."
            "\n\n“Ada!” he shouted.",
            OFFICE_CAST,
            [("stranger", "tag"), ("stranger", "tag"), ("stranger", "open quotation"), ("stranger", "pronoun tag")],
        ),
        # "I, Ada, ...": a document's writer names herself, wherever the sentence starts
        (
            "Stranger sat down with Mr. Keeper and read the will.\n\n“I, Ada, of sound mind, leave all to my cat.”",
            OFFICE_CAST,
            [("ada", "mention")],
        ),
        (
            "Stranger and Mr. Keeper found a paper.\n\n“Know all men by these presents. I, Ada, leave all to my cat.”",
            OFFICE_CAST,
            [("ada", "mention")],
        ),
        # a colon hands the floor to its sentence's subject, whatever the verb
        (
            "Mr. Keeper looked at Ada for a long time, and nodded slowly:--\n\n“I know it.”",
            OFFICE_CAST,
            [("keeper", "preceding tag")],
        ),
        # (the subject of the paragraph before, not of narration after the quotation)
        (
            "Ada looked at Stranger for a long time, and nodded slowly:--\n\n“I know it.” Stranger turned away.",
            OFFICE_CAST,
            [("ada", "preceding tag")],
        ),
        # ...inside a paragraph too, when the subject opens the sentence
        (
            "Ada watched Mr. Keeper run down the steps. He could only stammer out: “Dead.”",
            OFFICE_CAST,
            [("keeper", "preceding tag")],
        ),
        # after "?" a capital pronoun opens a new sentence: a beat, not a tag
        (
            "Mr. Keeper came in.\n\n“Is it late?” He looked at the clock.",
            OFFICE_CAST,
            [("keeper", "beat")],
        ),
        # two speakers in one paragraph: the name the first one calls out does not rule out the
        # second, whose own tag answers only for his words
        (
            "Stranger sat by the fire. Ada rose and said to him:--\n\n“Are you mad, Stranger?” He raised his head."
            " “Would I were!” he said.",
            OFFICE_CAST,
            [("ada", "preceding tag"), ("stranger", "pronoun tag")],
        ),
        # "chimed in the Queen": an irregular verb that speaks with its particle
        ("“And the gas,” chimed in the Queen.", THIRD_PERSON_CAST, [("queen", "tag")]),
        ("Alice sat down.\n\n“And the gas,” went on the Queen.", THIRD_PERSON_CAST, [("queen", "tag")]),
        # a speaker giving their own name is not addressing anyone by it
        (
            "“Your name, sir?” asked Lenin.\n\n“Pestaña, comrade.”",
            FIRST_PERSON_CAST,
            [("lenin", "tag"), ("pestana", "answer")],
        ),
        (
            "Ada and Mr. Keeper looked up.\n\n“Who are you?”\n\n“My name is Stranger, and I want the lawyer.”",
            OFFICE_CAST,
            [("keeper", "mention"), ("stranger", "answer")],
        ),
        # ...and "I’m", with a typeset apostrophe, is the same; someone else's name asked for is not theirs
        (
            "Ada and Mr. Keeper looked up.\n\n“Who are you?”\n\n“I’m Stranger, and I want the lawyer.”",
            OFFICE_CAST,
            [("keeper", "mention"), ("stranger", "answer")],
        ),
        (
            "“Do you know the new clerk’s name?” asked Ada.\n\n“Stranger.”",
            OFFICE_CAST,
            [("ada", "tag"), ("unknown", "none")],
        ),
        # "I was asked": the subject of a passive speech verb is the one spoken to
        (
            "“Are you pleased?” Lenin asked.\n\n“Very.”\n\n“And you?” I was asked.",
            FIRST_PERSON_CAST,
            [("lenin", "tag"), ("pestana", "answer"), ("lenin", "alternation")],
        ),
        # ...but "Ada was surprised." is a beat like any other
        ("Ada was surprised. “What?”", OFFICE_CAST, [("ada", "beat")]),
        # "she said" before any woman is named is one of the cast's women, never a man
        ("Mr. Keeper opened the door.\n\n“Come in,” she said.", OFFICE_CAST, [("ada", "gendered pronoun")]),
        # "they cried" is the group most in mind, not the man named last
        (
            "The party waited at the gate for an hour. The guide was asleep.\n\n“Let us in!” they cried.",
            TOUR_CAST,
            [("party", "gendered pronoun")],
        ),
        # a group the cast gives "we" is never "he"
        (
            "George was asleep. The others talked for a while.\n\n“What?” he asked.",
            BOAT_CAST,
            [("george", "pronoun tag")],
        ),
        # the tag nearest the quotation, not a reported "said" earlier in the narration
        (
            "“Eggs”—the Rabbit said it was rubbish; but Alice went on—“and ham.”",
            THIRD_PERSON_CAST,
            [("alice", "preceding tag"), ("alice", "preceding tag")],
        ),
        # "...the lawyer and the clerk; and as they walked he sang": a name with no verb after it
        # opens no clause for "he" to continue
        (
            "When Stranger came back, he hugged them all, even the lawyer and the clerk; and as they walked"
            " along he sang “Tra-la!” at every step.",
            OFFICE_CAST,
            [("stranger", "pronoun tag")],
        ),
        # "the clerk, who, when asked…, replied": the relative clause's verb is the clerk's
        (
            "Ada left the office to the clerk, who, when asked if she could bear the noise, replied, “What noise?”",
            OFFICE_CAST,
            [("clerk", "preceding tag")],
        ),
        # an untagged quotation goes on from the tagged one just before it in the paragraph
        (
            "“No,” said Alice. “Go,” said the Queen. “Why not?”",
            THIRD_PERSON_CAST,
            [("alice", "tag"), ("queen", "tag"), ("queen", "tag")],
        ),
        # a name in the possessive is a mention ("Stranger’s step"), but not a tag's subject
        (
            "Ada waited by the fire. The lawyer had gone home. At last Stranger’s step sounded on the stair."
            "\n\n“Open the door,” he called.",
            OFFICE_CAST,
            [("stranger", "pronoun tag")],
        ),
        ("“Hello,” said Stranger’s wife.", OFFICE_CAST, [("unknown", "none")]),
        # a name with a verb after it is its clause's subject, wherever it stands in the sentence
        (
            "Mr. Keeper stood at the door. He waited. After the news of Ada’s letter Stranger had turned pale,"
            " and he looked away.\n\n“Go,” he said.",
            OFFICE_CAST,
            [("stranger", "pronoun tag")],
        ),
        # a paragraph that leaves its quotation open and the one that carries it on have one speaker
        (
            "Lenin looked at us.\n\n“Are you Spanish?” he asked.\n\n“Yes.”\n\n“Catalan?”\n\n“Yes.”"
            "\n\n“That explains it. Let me see.\n\n“You are aware that we have little time.”",
            FIRST_PERSON_CAST,
            [
                ("lenin", "pronoun tag"),
                ("pestana", "answer"),
                ("lenin", "alternation"),
                ("pestana", "answer"),
                ("lenin", "alternation"),
                ("lenin", "open quotation"),
            ],
        ),
        (
            "Ada and the clerk waited. At that moment Stranger joined them.\n\n“It is late,” he said.",
            OFFICE_CAST,
            [("stranger", "pronoun tag")],
        ),
        # right after a quotation, any past-tense verb before a name is a tag
        ("“Mind the step,” advised the Rabbit.", THIRD_PERSON_CAST, [("rabbit", "tag")]),
        # a beat may open with a conjunction...
        (
            "“Sit down,” said Alice.\n\n“Thank you,” said the Rabbit.\n\n“It is late.” And the Queen looked at"
            " the clock.",
            THIRD_PERSON_CAST,
            [("alice", "tag"), ("rabbit", "tag"), ("queen", "beat")],
        ),
        # ...but "and X remarked," goes on with the narration: the tag of the quotation after it
        (
            "“No such thing!” Alice began, but the Rabbit went “Hush!” and the Queen sulkily remarked,"
            " “Finish it yourself.”",
            THIRD_PERSON_CAST,
            [("alice", "tag"), ("rabbit", "preceding tag"), ("queen", "preceding tag")],
        ),
        # ...unless the tag says the speech goes on, or narration about him closed the paragraph before
        (
            "Mr. Keeper and Stranger sat down.\n\n“It is late,” said Mr. Keeper.\n\n“And cold,” he added.",
            OFFICE_CAST,
            [("keeper", "tag"), ("keeper", "pronoun tag")],
        ),
        (
            "Mr. Keeper and Stranger sat down.\n\n“It is late,” said Mr. Keeper. He looked at the fire.\n\n"
            "“Cold too,” he said.",
            OFFICE_CAST,
            [("keeper", "tag"), ("keeper", "pronoun tag")],
        ),
        # a pronoun that opens a clause continues the subject of the clause before it
        (
            "Mr. Keeper sat at his desk. He read the paper for an hour.\n\nBefore Mr. Keeper could speak,"
            " Stranger came in, and he said:\n\n“Good evening.”",
            OFFICE_CAST,
            [("stranger", "pronoun tag")],
        ),
        # ...but not on an object
        ("Alice turned to the Queen, crying, “Bravo!”", THIRD_PERSON_CAST, [("alice", "preceding tag")]),
        # a new paragraph's "he said" after another man spoke: the one most in mind just spoke,
        # so the conversation chooses
        (
            "Mr. Keeper and Stranger sat down.\n\n“Where were you?” said Mr. Keeper.\n\n“Out,” he said.",
            OFFICE_CAST,
            [("keeper", "tag"), ("stranger", "gendered pronoun")],
        ),
        # a paragraph ending in a Gutenberg dash ("--") tags the quotation that follows it
        (
            "“Sit down,” we said.\n\n“No.”\n\nWe waited. Presently Lenin shouted--\n\n“Get out!”",
            FIRST_PERSON_CAST,
            [("pestana", "first-person tag"), ("lenin", "answer"), ("lenin", "preceding tag")],
        ),
        # a participle hangs on the nearest subject before it
        (
            "Alice clapped her hands, and the Queen tossed up her fan, crying, “Bravo!”",
            THIRD_PERSON_CAST,
            [("queen", "preceding tag")],
        ),
        # a question that names its listener is answered by them, even by a third speaker
        (
            "“Where is the key?” asked Alice.\n\n“Nobody knows,” said the Queen.\n\n“Do you know, Rabbit?”\n\n“Not I.”",
            THIRD_PERSON_CAST,
            [("alice", "tag"), ("queen", "tag"), ("alice", "alternation"), ("rabbit", "vocative")],
        ),
        # a bare quotation after a paragraph of narration about one character is likeliest theirs
        (
            "“Is it here?” asked Alice.\n\n“No,” said the Rabbit.\n\nThe Queen searched every drawer, and at"
            " last she gave up.\n\n“Somebody has stolen it.”",
            THIRD_PERSON_CAST,
            [("alice", "tag"), ("rabbit", "tag"), ("queen", "narration before")],
        ),
        # with nobody of its gender in mind, a pronoun is fixed by gender only
        (
            "Ada came in.\n\nThe clerk looked up.\n\nThe lawyer looked up.\n\nStranger looked up. Then the"
            " clerk coughed.\n\n“Good night,” she said.",
            OFFICE_CAST,
            [("ada", "gendered pronoun")],
        ),
        # a person described, not named: only their gender is sure, and the conversation chooses
        (
            "“Where were you?” said Mr. Keeper.\n\n“Out,” said the young woman.",
            OFFICE_CAST,
            [("keeper", "tag"), ("ada", "described")],
        ),
        # ...among the women, the one in the scene
        (
            "Kennicott and Juanita were alone.\n\n“Where were you?” said Kennicott.\n\n“Out,” said the young woman.",
            PARTY_CAST,
            [("kennicott", "tag"), ("juanita", "described")],
        ),
        # ...and a description is no beat: "The boy brought the tea." says nothing of who speaks
        (
            "Ada and Stranger sat down.\n\n“Are you cold?” asked Stranger.\n\n"
            "The boy brought the tea. “No, thank you.”",
            OFFICE_CAST,
            [("stranger", "tag"), ("ada", "answer")],
        ),
        # ...but "her mother’s shoulder" is nobody's subject
        (
            "Ada hid her face on her mother’s shoulder and sobbed out, “I am sorry.”",
            OFFICE_CAST,
            [("ada", "preceding tag")],
        ),
        # a reply named by its owner's possessive is a tag
        (
            "“Stay longer,” said Lenin.\n\n“No,” was my reply.",
            FIRST_PERSON_CAST,
            [("lenin", "tag"), ("pestana", "first-person tag")],
        ),
        # "was the answer" says someone answered; who sighed afterwards is no clue to who
        (
            "Mr. Keeper and Stranger sat down.\n\n“Is it late?” asked Stranger.\n\n"
            "“Very,” was the answer. Stranger sighed.",
            OFFICE_CAST,
            [("stranger", "tag"), ("keeper", "answer")],
        ),
        # "said someone" is a voice the text does not name; "Someone knocked." is no beat
        (
            "“Tea?” asked Alice.\n\n“Yes,” said someone.\n\nSomeone knocked. “Off with his head!” cried the Queen.",
            THIRD_PERSON_CAST,
            [("alice", "tag"), ("unknown", "tag"), ("queen", "tag")],
        ),
        (
            "“Tea?” asked Alice.\n\n“Yes, please.” Someone knocked.",
            THIRD_PERSON_CAST,
            [("alice", "tag"), ("unknown", "none")],
        ),
        # a character the cast names by a description answers to its head noun...
        (
            "“Scrooge and Marley’s, I believe,” said the gentleman.",
            cast_of(scrooge=man("Scrooge"), fred=man("Fred"), gentleman=man("The portly gentleman with a list")),
            [("gentleman", "tag")],
        ),
        # ...unless another character has it for an alias
        (
            "“I always like furmity,” said the woman.",
            cast_of(susan=woman("Susan", "the woman"), seller=woman("The furmity woman")),
            [("susan", "tag")],
        ),
        # "his wife, Juanita" names her in apposition: she is not being called on to answer...
        (
            "“Who are they?” asked Carol.\n\n“Harry and his wife, Juanita,” said Kennicott.\n\n“How nice.”",
            PARTY_CAST,
            [("carol", "tag"), ("kennicott", "tag"), ("carol", "alternation")],
        ),
        # ...nor is a name set off in the middle of a speech
        (
            "“Who is that?” asked Carol.\n\n“He is rich. That is Jack Elder—Jackson Elder—who owns the mill. He"
            " hunts. He fishes,” said Kennicott.\n\n“How nice.”",
            PARTY_CAST,
            [("carol", "tag"), ("kennicott", "tag"), ("carol", "alternation")],
        ),
        # a first-person narrator is the likeliest to answer, but not when someone else is called
        (
            "“Cold night,” I said.\n\n“Very,” said Mr. Keeper. “Stranger, will you have tea?”\n\n“Gladly.”",
            cast_of(narrator="me", me=man("Mark"), keeper=man("Mr. Keeper"), stranger=man("Stranger")),
            [("me", "first-person tag"), ("keeper", "tag"), ("keeper", "tag"), ("stranger", "vocative")],
        ),
        # "I heard him say": the one heard speaks, not the one hearing
        (
            "Stranger went to the door.\n\n“Mr. Keeper is out,” I heard him say.",
            cast_of(narrator="me", me=man("Mark"), stranger=man("Stranger")),
            [("stranger", "pronoun tag")],
        ),
        # the character a third-person narration follows answers like a first-person narrator,
        # even after narration about someone else
        (
            "Ada walked up the hill. Ada was tired, and Ada was cross.\n\n“Are you cross?” asked Stranger.\n\n"
            "“A little,” said Ada.\n\n“Why?”\n\nThe clerk sat down beside them and began to write.\n\n“The heat.”",
            OFFICE_CAST,
            [("stranger", "tag"), ("ada", "tag"), ("stranger", "answer"), ("ada", "alternation")],
        ),
        # in a three-way talk, one who spoke a few turns ago is likelier than someone long silent
        (
            "“Good day,” said the Minister.\n\n“It is odd,” said the Prefect.\n\n“Very true,” said Dupin.\n\n"
            "“Quite,” said the Prefect.\n\n“Hm,” said Dupin.\n\n“What is the difficulty?” I asked.\n\n"
            "“Oh, nothing, Dupin.”",
            cast_of(
                narrator="me",
                me=man("Mark"),
                prefect=man("The Prefect"),
                dupin=man("Dupin"),
                minister=man("The Minister"),
            ),
            [
                ("minister", "tag"),
                ("prefect", "tag"),
                ("dupin", "tag"),
                ("prefect", "tag"),
                ("dupin", "tag"),
                ("me", "first-person tag"),
                ("prefect", "answer"),
            ],
        ),
        # "Madame" of "Madame Karenina" is no name of hers: "Madame Maltishtcheva" is someone else
        (
            "Madame Maltishtcheva came in with Princess Myakaya. “How funny,” she said.",
            cast_of(anna=woman("Anna", "Madame Karenina"), myakaya=woman("Princess Myakaya")),
            [("myakaya", "pronoun tag")],
        ),
        # "I heard him say" is a tag even after a full stop, or before the quotation ("we could
        # hear him say" too)
        *[
            (text, cast_of(narrator="me", me=man("Mark"), stranger=man("Stranger")), [("stranger", "pronoun tag")])
            for text in [
                "Stranger went to the door.\n\n“Mr. Keeper is out.” I heard him say.",
                "Stranger went to the door.\n\nThen I heard him say, “Mr. Keeper is out.”",
                "Stranger went to the door, and we could hear him say as he opened it: “Mr. Keeper is out.”",
            ]
        ],
        # the longest name first, partial or not; a rank yields to another character's own alias;
        # an -ing word ends a description only when more follows ("The old king" is "the king")
        (
            "“Yes,” said Jean-Paul.\n\n“Aye,” said the captain.\n\n“Off with them,” said the king.",
            cast_of(
                jean=man("Jean"),
                sartre=man("Jean-Paul Sartre"),
                hook=man("Hook", "the captain"),
                smollett=man("Captain Smollett"),
                king=man("The old king"),
            ),
            [("sartre", "tag"), ("hook", "tag"), ("king", "tag")],
        ),
        # the one the narration has someone turn to is spoken to: the likeliest to answer
        (
            "“It is cold,” said Mr. Keeper.\n\nAda turned to Stranger. “Will you have tea?”\n\n“Gladly.”",
            OFFICE_CAST,
            [("keeper", "tag"), ("ada", "beat"), ("stranger", "vocative")],
        ),
        # ...and a paragraph of narration that ends with someone turning to someone says who speaks
        (
            "“It is cold,” said Mr. Keeper.\n\n“Very,” said Stranger.\n\nMr. Keeper laughed at Stranger"
            " and Ada. Ada had slowly turned to Mr. Keeper.\n\n“Will you have tea?”",
            OFFICE_CAST,
            [("keeper", "tag"), ("stranger", "tag"), ("ada", "narration before")],
        ),
        # each quotation introduced by its own tag, whatever the verb, in one paragraph
        (
            "“Who took the car?” said Mr. Keeper.\n\nAda snorted, “Not I!” Stranger protested, “Nor I!”",
            OFFICE_CAST,
            [("keeper", "tag"), ("ada", "preceding tag"), ("stranger", "preceding tag")],
        ),
        # many voices the cast does not name are nobody's in particular; a group the cast names is
        (
            "“Who is there?” asked Alice.\n\n“We are!” cried all the boys.\n\n“Hurrah!” said the children.",
            cast_of(alice=woman("Alice"), children=man("The children")),
            [("alice", "tag"), ("unknown", "many voices"), ("children", "tag")],
        ),
        # a rank in a name describes its owner: "Captain Smollett" is "the captain"
        (
            "“Ready?” asked Doctor Livesey.\n\n“Ready,” said the captain.",
            cast_of(smollett=man("Captain Smollett"), livesey=man("Doctor Livesey")),
            [("livesey", "tag"), ("smollett", "tag")],
        ),
        # a speaker's name alone before the speech, as plays and transcripts print it, is its label,
        # in capitals or followed by a colon, mid-paragraph or a paragraph of its own
        (
            "I said I was tired of London. JOHNSON. “Sir, no man is.” PESTAÑA. “But why?” LENIN. “Because.”"
            "\n\nLenin: “Life is all there.”\n\nPESTAÑA.\n\n“I doubt it.”",
            FIRST_PERSON_CAST_WITH_JOHNSON,
            [
                ("johnson", "speaker label"),
                ("pestana", "speaker label"),
                ("lenin", "speaker label"),
                ("lenin", "speaker label"),
                ("pestana", "speaker label"),
            ],
        ),
        # ...after an aside; and a name the cast lacks labels nothing
        (
            "“Well?” said Lenin.\n\n“Never.” (smiling.) LENIN. “Not I.” SMITH. “Nor I.”",
            FIRST_PERSON_CAST,
            [("lenin", "tag"), ("pestana", "answer"), ("lenin", "speaker label"), ("lenin", "speaker label")],
        ),
        # a sentence broken by its tag goes on in the same voice, whatever the narration after
        # says; "said he" is the tag of the quotation before it only
        (
            "Lenin spoke of wine.\n\n“For,” said he, “you are then sure.” I said, wine was a pleasure,"
            " “Why,” said he, “it is a great loss.”",
            FIRST_PERSON_CAST,
            [("lenin", "pronoun tag")] * 4,
        ),
        # a tag further on fixes the untagged turns before it (the conversation is decoded whole)
        (
            "“Come in.”\n\n“Thank you.”\n\n“Sit down,” said the Queen.",
            THIRD_PERSON_CAST,
            [("queen", "mention"), ("unknown", "none"), ("queen", "tag")],
        ),
    ],
)
def test_cues(text: str, cast: CastSpec, expected: list[tuple[str, str]]) -> None:
    assert speakers(text, cast) == expected


def test_a_second_speaker_tagged_in_a_paragraph_keeps_their_confidence() -> None:
    chapter = parse_chapter("“No,” said Alice. “Go,” said the Queen. “Why not?”")
    found = [a for paragraph in attribute_chapter(chapter, THIRD_PERSON_CAST) for a in paragraph]
    assert [(a.speaker, a.confidence) for a in found] == [("alice", 0.95), ("queen", 0.95), ("queen", 0.95)]


def test_a_turn_told_in_narration_is_a_turn() -> None:
    # "I told him." is the narrator's turn, so the other speaks next; the narration is also
    # about Lenin ("him"), so switch that cue off to see this one alone.
    text = "“What is your name?” asked Lenin.\n\nI told him.\n\n“Where were you born?”"
    weights = dataclasses.replace(DEFAULT_WEIGHTS, in_mind=0.0)
    found = [(a.speaker, a.cue) for p in attribute_chapter(parse_chapter(text), FIRST_PERSON_CAST, weights) for a in p]
    assert found == [("lenin", "tag"), ("lenin", "alternation")]
    assert speakers(text, FIRST_PERSON_CAST) == [("lenin", "tag"), ("lenin", "narration before")]


def test_confidence_falls_when_the_conversation_could_give_the_line_to_someone_else() -> None:
    # Between two people an untagged answer is clear; with a third in the room it is a guess to check.
    exchange = "“Is it late?” asked Alice.\n\n“Very late.”\n\n“Then go,” said Alice."
    two = [
        a
        for p in attribute_chapter(parse_chapter("The Rabbit sat by Alice.\n\n" + exchange), THIRD_PERSON_CAST)
        for a in p
    ]
    three = [
        a
        for p in attribute_chapter(
            parse_chapter("Alice, the Rabbit and the Queen sat down.\n\n" + exchange), THIRD_PERSON_CAST
        )
        for a in p
    ]
    assert [a.speaker for a in two] == ["alice", "rabbit", "alice"]
    assert two[0].confidence == two[2].confidence == 0.95  # tags stay sure
    assert three[1].confidence < two[1].confidence
    assert three[1].confidence < CHECK_BELOW <= two[1].confidence


def test_a_cue_the_conversation_disagrees_with_is_marked_for_review() -> None:
    # The Queen's beat keeps the line, but the Rabbit, asked by name, fits the conversation
    # better: the line's confidence is the Queen's, and low.
    text = (
        "“Where is the key?” asked Alice.\n\n“Do you know, Rabbit?”\n\nThe Queen frowned. “Not I.”"
        "\n\n“Nor I,” said the Rabbit."
    )
    found = [a for p in attribute_chapter(parse_chapter(text), THIRD_PERSON_CAST) for a in p]
    assert (found[2].speaker, found[2].cue) == ("queen", "beat")
    assert found[2].confidence < CHECK_BELOW


def test_built_script_reads_heading_first_and_marks_guesses_for_review() -> None:
    chapter = parse_chapter("Chapter 2\n\nA Title\n\n“Stay,” Lenin said.\n\n“We cannot.”\n")
    script = build_script(chapter, FIRST_PERSON_CAST)
    assert [(t.speaker, t.text, t.paragraph) for t in script.turns] == [
        ("narrator", "Chapter 2. A Title.", 0),
        ("lenin", "Stay,", 1),
        ("narrator", "Lenin said.", 1),
        ("pestana", "We cannot.", 2),
    ]
    assert [t.check for t in script.turns] == [False, False, False, True]


def test_a_narrator_who_only_watches_gets_no_turns() -> None:
    # Watson spoke at the start; since then Holmes and his client have been tagged six times, so
    # the untagged questions that follow are Holmes's, not the narrator's.
    cast = cast_of(narrator="watson", watson=man("Watson"), holmes=man("Holmes"), stoner=woman("Miss Stoner"))
    text = (
        "“Good morning,” I said to Holmes.\n\n“Good morning, Watson,” said Holmes.\n\n"
        "“Sit down,” said Holmes to Miss Stoner.\n\n“Thank you,” said Miss Stoner.\n\n“You are cold,” said Holmes."
        "\n\n“It is fear,” said Miss Stoner.\n\n“Fear of what?” said Holmes.\n\n“Of my stepfather,” said Miss Stoner."
        "\n\n“And then?”\n\n“He left.”\n\n“When?”\n\n“At noon.”\n\n“Where to?”"
    )
    assert [speaker for speaker, _ in speakers(text, cast)[-5:]] == ["holmes", "stoner", "holmes", "stoner", "holmes"]


def test_in_an_interview_the_asker_asks_and_the_answerer_answers() -> None:
    # Lenin's tagged lines are questions and ours are not: an untagged statement after our answer
    # is ours going on, and the next question his.
    text = (
        "“Are you pleased with Moscow?” Lenin asked.\n\n“Very much,” we answered.\n\n“Will you stay long?” asked"
        " Lenin.\n\n“No,” we said. “Our friends wait for us.”\n\n“What will you tell them?”\n\n“The truth, as we saw"
        " it.”\n\n“All of it, the hunger too.”\n\n“And the hunger?”\n\n“That too.”"
    )
    assert [speaker for speaker, _ in speakers(text, FIRST_PERSON_CAST)[5:]] == [
        "lenin",
        "pestana",
        "pestana",
        "lenin",
        "pestana",
    ]


def test_a_title_in_the_narration_is_marked_with_its_fix() -> None:
    script = build_script(parse_chapter("Stranger sat in “The Blue Boar” all day."), OFFICE_CAST)
    (title,) = [t for t in script.turns if t.confidence is not None]
    assert (title.speaker, title.text, title.check) == ("unknown", "The Blue Boar", True)
    assert title.cue == "a name or title in the narration, nobody's speech: give it to the narrator"


def test_many_voices_are_marked_with_their_fix() -> None:
    script = build_script(parse_chapter("“Hurrah!” cried all the men."), OFFICE_CAST)
    (cry,) = [t for t in script.turns if t.confidence is not None]
    assert (cry.speaker, cry.check) == ("unknown", True)
    assert cry.cue == "many voices at once: give it to a character of the cast, or leave it unknown"


def test_the_summary_counts_what_is_marked_for_review() -> None:
    # A quotation that never closes, or never opens, is marked 'check: true' however sure its
    # speaker is.
    text = (
        "“Come here,” said Alice.\n\n“I am coming,” said the Rabbit. “And I shall stay until the end"
        "\n\nAnd then I shall go.”"
    )
    script = build_script(parse_chapter(text), THIRD_PERSON_CAST)
    quotes = [t for t in script.turns if t.confidence is not None]
    assert [t.check for t in quotes] == [False, False, True, True]
    assert quotes[-1].cue is not None and quotes[-1].cue.endswith("; the quotation never opens: check where it starts")
    assert summarize(script) == "6 turns, 4 quotations: 2 sure (confidence >= 0.9), 0 likely, 2 to check, 0 unknown"


def test_a_rerun_after_the_cast_advice_takes_the_new_attribution_and_keeps_corrections() -> None:
    text = "Mr. Keeper and Stranger sat down.\n\n“Good evening,” said the lawyer.\n\n“Evening,” said Stranger."
    before = build_script(parse_chapter(text), cast_of(keeper=man("Mr. Keeper"), stranger=man("Stranger")))
    assert "“the lawyer” ×1" in summarize(before)
    # A person recasts Stranger's line, then adds "the lawyer" to Mr. Keeper's aliases as advised.
    _, stranger = [i for i, t in enumerate(before.turns) if t.confidence is not None]
    turns = list(before.turns)
    turns[stranger] = turns[stranger].model_copy(update={"speaker": "keeper"})
    edited = before.model_copy(update={"turns": turns})
    fixed = cast_of(keeper=man("Mr. Keeper", "the lawyer"), stranger=man("Stranger"))
    after = build_script(parse_chapter(text), fixed)
    merged, kept = keep_corrections(after, edited)
    assert kept == 1
    assert [(t.speaker, t.cue, t.check) for t in merged.turns if t.confidence] == [
        ("keeper", "tag", False),  # the builder's new turn, its "no character's alias" note gone
        ("keeper", "tag", False),  # the person's correction
    ]
    assert summarize(merged) == "5 turns, 2 quotations: 2 sure (confidence >= 0.9), 0 likely, 0 to check, 0 unknown"


def test_a_rerun_tells_a_correction_from_an_old_guess() -> None:
    # Each quotation records the builder's guess; a speaker a person left as guessed follows the
    # builder's new choice (a better builder, a cast fix), one they changed stays theirs.
    text = "Mr. Keeper and Stranger sat down.\n\n“Good evening,” said Stranger.\n\n“Evening,” said Mr. Keeper."
    cast = cast_of(keeper=man("Mr. Keeper"), stranger=man("Stranger"), clerk=man("The clerk"))
    built = build_script(parse_chapter(text), cast)
    first, second = [i for i, t in enumerate(built.turns) if t.confidence is not None]
    assert (built.turns[first].guess, built.turns[second].guess) == ("stranger", "keeper")
    turns = list(built.turns)
    turns[first] = turns[first].model_copy(update={"speaker": "clerk", "guess": "clerk"})  # an old guess
    turns[second] = turns[second].model_copy(update={"speaker": "clerk"})  # a correction
    merged, kept = keep_corrections(built, built.model_copy(update={"turns": turns}))
    assert kept == 1
    assert [(merged.turns[i].speaker, merged.turns[i].guess) for i in (first, second)] == [
        ("stranger", "stranger"),
        ("clerk", "keeper"),
    ]
    # A build that agrees with the correction keeps it one; a later one that does not, too.
    agreeing = built.model_copy(
        update={
            "turns": [
                *built.turns[:second],
                built.turns[second].model_copy(update={"speaker": "clerk", "guess": "clerk"}),
                *built.turns[second + 1 :],
            ]
        }
    )
    merged, kept = keep_corrections(agreeing, merged)
    assert (kept, merged.turns[second].speaker, merged.turns[second].guess) == (0, "clerk", "keeper")
    merged, kept = keep_corrections(built, merged)
    assert (kept, merged.turns[second].speaker) == (1, "clerk")


def test_a_chapter_with_nothing_to_read_is_refused_with_its_fix() -> None:
    # The CLI refuses an empty file before building; a library caller gets the same error.
    with pytest.raises(TextError, match=r"^texts/empty\.txt: the text has no words to read; put the chapter's"):
        build_script(parse_chapter("\n\n"), THIRD_PERSON_CAST, source="texts/empty.txt")


def test_shipped_chapter_19_script_matches_its_text() -> None:
    """The hand-corrected script must hold exactly the turns the text splits into."""
    shipped = load_script(REPO / "scripts" / "chapter-19.yaml")
    built = build_script(load_chapter(REPO / "texts" / "chapter-19.txt"), FIRST_PERSON_CAST)
    assert [(t.text, t.paragraph) for t in shipped.turns] == [(t.text, t.paragraph) for t in built.turns]
    assert shipped.source_sha256 == built.source_sha256
    quotes = [t for t in shipped.turns if t.confidence is not None]
    assert len(quotes) == 70
    assert {t.speaker for t in quotes} == {"lenin", "pestana"}
    assert all(t.speaker == "narrator" for t in shipped.turns if t.confidence is None)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("I saw Mr. Pumblechook. Then Mrs. Hubble asked,", ["I saw Mr. Pumblechook.", "Then Mrs. Hubble asked,"]),
        ("No! Yes? St. Paul.", ["No!", "Yes?", "St. Paul."]),
        # a dash runs the next sentence on, the way Austen prints it
        ("He was methodical.—Before this, Emma left.", ["He was methodical.", "—Before this, Emma left."]),
        # a full stop with no word before it (found by hypothesis: it raised IndexError)
        ("Alice\n\n. Alice", ["Alice\n\n.", "Alice"]),
    ],
)
def test_sentences_do_not_end_at_an_abbreviated_title(text: str, expected: list[str]) -> None:
    assert sentences(text) == expected


@pytest.mark.parametrize(
    ("tag", "described"),
    [
        ("said the old man in the tent.", "the old man"),
        ("said the doctor quietly.", "the doctor"),
        ("his wife said, smiling.", "his wife"),
        ("said the lawyer quietly.", None),  # Mr. Keeper's alias
        ("said the other.", None),  # fits anyone: no alias to suggest
        ("their smile seemed to say.", None),  # no speaker
        ("said Ada.", None),  # a name the cast has
        ("said Captain Flint.", "Captain Flint"),  # one it has not
        ("So Mrs. Bateson said.", "Mrs. Bateson"),
        ("Then he left.", None),
    ],
)
def test_a_tag_describing_someone_the_cast_lacks_is_reported(tag: str, described: str | None) -> None:
    script = build_script(parse_chapter(f"“Good evening,” {tag}"), OFFICE_CAST)
    (quote,) = [t for t in script.turns if t.confidence is not None]
    reported = UNCAST.search(quote.cue or "")
    assert (reported[1] if reported else None) == described
    assert quote.check or not described


def test_a_word_of_a_full_name_is_not_that_name_when_another_name_follows() -> None:
    cast = cast_of(smollett=man("Captain Smollett"), jim=man("Jim Hawkins"))
    text = "“Ready,” said Captain Flint.\n\n“Aye,” said Captain Smollett.\n\n“Go,” said the captain."
    flint, aye, go = [t for t in build_script(parse_chapter(text), cast).turns if t.confidence is not None]
    # no tag of Smollett's: the conversation guesses, marked for review, and the summary names Flint
    assert flint.cue is not None and flint.cue.startswith("mention") and flint.check
    assert UNCAST.search(flint.cue)[1] == "Captain Flint"  # type: ignore[index]
    assert [(aye.speaker, aye.cue), (go.speaker, go.cue)] == [("smollett", "tag"), ("smollett", "tag")]


def test_a_thought_is_not_a_turn() -> None:
    # The narrator only thinks: the butler answers the coroner, and the narrator takes no part.
    cast = cast_of(
        narrator="raymond", raymond=man("Raymond"), coroner=man("Hammond", "the coroner"), thomas=man("Thomas")
    )
    text = (
        "“Is the butler here?” asked the coroner.\n\n“Ah,” thought I to myself, “a model servant.”\n\n“Yes,"
        " sir,” said Thomas.\n\n“How long have you served here?”\n\n“Two years, sir.”\n\n“And where were you last"
        " night?”\n\n“In my room, sir.”"
    )
    assert [speaker for speaker, _ in speakers(text, cast)[4:]] == ["coroner", "thomas", "coroner", "thomas"]


def test_a_paragraph_that_also_speaks_is_a_turn() -> None:
    # The Queen only thinks, but Alice speaks in the same paragraph: the Rabbit answers her.
    text = "“Sit down,” said the Rabbit.\n\n“Go away,” said Alice to the Rabbit. “Fool,” thought the Queen.\n\n“Never!”"
    assert speakers(text, THIRD_PERSON_CAST)[-1] == ("rabbit", "answer")


@pytest.mark.parametrize(
    ("quote", "called"),
    [
        # a list of names calls none of them...
        ("“The ladies, Mr. Harwell, Kate the cook, and myself.”", set()),
        ("“There is himself, Earnshaw, Zillah, and I.”", set()),
        # ...but two names of one listener do, and so does a name after a word set off
        ("“As much as you are Mr Gresham, Master Frank.”", {"gresham"}),
        ("“Then, Legrand, I cannot.”", {"legrand"}),
    ],
)
def test_a_name_in_a_list_is_no_call(quote: str, called: set[str]) -> None:
    cast = cast_of(
        harwell=man("Mr. Harwell"),
        kate=woman("Kate the cook"),
        earnshaw=man("Earnshaw"),
        zillah=woman("Zillah"),
        gresham=man("Frank Gresham", "Mr Gresham", "Master Frank"),
        legrand=man("Legrand"),
    )
    attributor = Attributor(cast)
    addressed, _, _, _ = attributor.addressed(parse_chapter(quote).paragraphs[0].quotes)
    assert addressed == called


@pytest.mark.parametrize(
    ("text", "carries_on"),
    [
        # a tag that says the speaker goes on, in the narration before or just after...
        ("Following a brief pause, he then added:\n\n“Let us cut to the chase.”", True),
        ("Holmes lit his pipe.\n\n“It was someone in the house,” he went on.", True),
        ("There was a silence.\n\n“It was someone in the house,” continued Holmes.", True),
        # ...not any tag, nor a verb further on, nor right after speech with no narration between
        ("Following a brief pause, he said:\n\n“Let us cut to the chase.”", False),
        ("He added sugar to his tea and said:\n\n“Let us cut to the chase.”", False),
        ("He went out.\n\n“It was someone in the house,” he said, and added nothing.", False),
        ("“It was someone in the house,” he went on.", False),
    ],
)
def test_a_tag_after_narration_that_goes_on_carries_the_speech_on(text: str, carries_on: bool) -> None:
    # "Following a brief pause, he then added:": whoever spoke before the pause is the speaker.
    chapter = parse_chapter("“Very much,” we answered.\n\n“Not at all.”\n\n" + text)
    attributor = Attributor(FIRST_PERSON_CAST)
    for paragraph in chapter.paragraphs:
        attributor.paragraph(paragraph)
    assert attributor.records[-1].turn.carries_on is carries_on


def test_a_first_person_narrator_doing_something_is_no_beat() -> None:
    # The narrator's "I" is in nearly every sentence of their narration, speaking or listening:
    # "I sat down by the fire" points at nobody, and the conversation gives the line to the host.
    cast = cast_of(narrator="lockwood", lockwood=man("Lockwood"), heathcliff=man("Heathcliff"))
    text = (
        "“Is the tea ready?” asked Heathcliff.\n\n“Not yet,” I answered.\n\n"
        "I sat down by the fire and warmed my hands. “Get it ready, will you?”"
    )
    assert speakers(text, cast)[-1] == ("heathcliff", "alternation")
    # ...and a beat looks past the narrator to whoever else acts in the paragraph
    paragraph = parse_chapter("I sat down by the fire. “Get it ready.” Heathcliff scowled.").paragraphs[0]
    assert Attributor(cast).beat(paragraph.segments, None) == found("heathcliff", "beat")


def test_a_name_is_a_subject_only_where_its_sentence_starts() -> None:
    # "I met Harris ... and asked him how he had got on": Harris is the one met, not the one
    # meeting, so "him" and "he" are Harris and so is "He said" after them; George, the subject
    # of the paragraph before, is out of mind.
    cast = cast_of(narrator="j", j=man("J."), george=man("George"), harris=man("Harris"))
    text = (
        "George would not come; he was a bachelor, and he saw no reason to.\n\n"
        "I met Harris at the Club in the afternoon, and asked him how he had got on.\n\n"
        "He said, “Oh, that's all right; there's no difficulty about getting away.”"
    )
    assert speakers(text, cast) == [("harris", "pronoun tag")]


def test_he_with_nobody_in_mind_is_the_man_the_text_is_about() -> None:
    # Tolstoy is named and heard far more than anyone; pages later, "He" with nobody in mind is
    # him, though the man he asks is named last.
    cast = cast_of(narrator="gorky", gorky=man("Gorky"), tolstoy=man("Tolstoy"), tchekhov=man("Tchekhov"))
    text = (
        "Tolstoy came in.\n\n“Sit,” said Tolstoy.\n\n“Thanks,” said Tchekhov.\n\n“Well,” said Tolstoy."
        "\n\n“Yes,” said Tolstoy.\n\n“No,” said Tolstoy.\n\nThe years went by. The park was quiet. The sea"
        " was grey. The birds sang.\n\nHe sat on the bench and whistled. Then he asked Tchekhov:\n\n“Birds?”"
    )
    assert speakers(text, cast)[-1] == ("tolstoy", "pronoun tag")


@pytest.mark.parametrize("signed", ["VAN HELSING.", "Van Helsing", "—Abraham Van Helsing."])
def test_a_letter_is_its_signers(signed: str) -> None:
    # A letter quoted over several paragraphs, each left open, signed at its end in any case:
    # Seward, who opened it and is in mind, did not write it.
    cast = cast_of(helsing=man("Abraham Van Helsing", "Van Helsing"), seward=man("Dr. Seward"), lucy=woman("Lucy"))
    text = f"Dr. Seward opened the letter.\n\n“My dear friend,\n\n“Come at once. Lucy is ill.\n\n“{signed}”"
    assert [speaker for speaker, _ in speakers(text, cast)] == ["helsing"] * 3
