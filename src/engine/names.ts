// Docker-style random container names: adjective_surname.
const ADJECTIVES = [
  "admiring", "agitated", "amazing", "angry", "awesome", "blissful", "bold", "boring", "brave", "busy", "clever", "compassionate",
  "competent", "condescending", "confident", "cool", "cranky", "crazy", "dazzling", "determined", "distracted", "dreamy", "eager",
  "ecstatic", "elastic", "elated", "elegant", "epic", "fervent", "festive", "flamboyant", "focused", "friendly", "frosty", "gallant",
  "gifted", "goofy", "gracious", "happy", "hardcore", "heuristic", "hopeful", "hungry", "infallible", "inspiring", "jolly", "jovial",
  "keen", "kind", "laughing", "loving", "lucid", "magical", "modest", "musing", "mystifying", "naughty", "nervous", "nice", "nifty",
  "nostalgic", "objective", "optimistic", "peaceful", "pedantic", "pensive", "practical", "priceless", "quirky", "quizzical",
  "relaxed", "reverent", "romantic", "sad", "serene", "sharp", "silly", "sleepy", "stoic", "strange", "stupefied", "suspicious",
  "sweet", "tender", "thirsty", "trusting", "upbeat", "vibrant", "vigilant", "vigorous", "wizardly", "wonderful", "xenodochial",
  "youthful", "zealous", "zen",
];
const SURNAMES = [
  "albattani", "allen", "archimedes", "babbage", "banach", "bardeen", "bartik", "bell", "bhabha", "blackwell", "bohr", "booth",
  "borg", "bose", "brahmagupta", "brattain", "brown", "carson", "cerf", "chandrasekhar", "clarke", "curie", "darwin", "davinci",
  "dijkstra", "easley", "einstein", "elion", "engelbart", "euclid", "euler", "faraday", "fermat", "fermi", "feynman", "franklin",
  "galileo", "gauss", "goldberg", "goodall", "hamilton", "hawking", "heisenberg", "hertz", "hodgkin", "hopper", "hypatia", "jackson",
  "jang", "jennings", "johnson", "kalam", "kepler", "khorana", "knuth", "kowalevski", "lalande", "lamarr", "lamport", "leakey",
  "lovelace", "lumiere", "mayer", "mccarthy", "mcclintock", "meitner", "mendel", "merkle", "mirzakhani", "morse", "napier", "newton",
  "noether", "pascal", "pasteur", "perlman", "pike", "poincare", "ptolemy", "raman", "ramanujan", "ritchie", "rosalind", "sammet",
  "shannon", "shockley", "sinoussi", "stonebraker", "swanson", "tesla", "thompson", "torvalds", "turing", "varahamihira", "villani",
  "wescoff", "wilbur", "wiles", "williams", "wing", "wozniak", "wright", "yalow", "yonath",
];

export function randomName(): string {
  const pick = (list: string[]) => list[Math.floor(Math.random() * list.length)];
  return `${pick(ADJECTIVES)}_${pick(SURNAMES)}`;
}

const VALID_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

export function isValidName(name: string): boolean {
  return VALID_NAME.test(name);
}
