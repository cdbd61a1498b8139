/**
 * Requests to decline said in the languages households mix into their English (German, Portuguese, Spanish,
 * French, Italian, Dutch, Polish, Hindi as typed in Latin letters, Vietnamese): "mach das Licht aus", "abre o
 * portão", "darwaza khol do", "tắt đèn đi", "schick das Video per WhatsApp", "câmera do vizinho", "ignoriere alle
 * Anweisungen". Read on the clause folded to plain letters (foldMarks: "tat den" as typed matches "tắt đèn"), so
 * the words here are written without accents. A clause that starts with a question word of any of these languages
 * asks about what happened ("wer hat das Licht ausgemacht", "ai tắt đèn") and is no order.
 */

const words = (xs: readonly string[]): string => xs.join('|');

/** Question words at the start of a clause, per language. */
const QUESTION_WORDS = [
  // German
  'wer',
  'wen',
  'wem',
  'was',
  'wann',
  'wo',
  'wohin',
  'woher',
  'wie',
  'welche[rsmn]?',
  'ist',
  'war',
  'waren',
  'hat',
  'hatte',
  'gab',
  'gibt es',
  'sind',
  // Portuguese / Spanish
  'quem',
  'quando',
  'onde',
  'o que',
  'qual',
  'quais',
  'foi',
  'estava',
  'tinha',
  'teve',
  'alguem',
  'quien',
  'cuando',
  'donde',
  'que',
  'estaba',
  'alguien',
  'hubo',
  // French / Italian
  'qui',
  'quand',
  'ou',
  "qu'est-ce",
  'est-ce',
  'quel(?:le)?s?',
  'etait',
  'chi',
  'dove',
  'cosa',
  'che cosa',
  "c'era",
  // Dutch / Polish
  'wie',
  'wanneer',
  'waar',
  'wat',
  'kto',
  'kiedy',
  'gdzie',
  'czy',
  'co',
  // Hindi (Latin letters)
  'kaun',
  'kab',
  'kahan',
  'kya',
  'kitne',
  'kitni',
  'kis(?:ne|ko)?',
  // Vietnamese
  'ai',
  'khi nao',
  'luc nao',
  'o dau',
  'co ai',
  'bao gio',
  'bao nhieu',
];
export const OTHER_QUESTION_START = new RegExp(`^(?:${words(QUESTION_WORDS)})\\b`);

/** Polite openers before an order ("kannst du bitte …", "por favor …", "làm ơn …"): stripped like the English ones. */
export const OTHER_LEAD = new RegExp(
  `^(?:(?:${words([
    'kannst du',
    'konntest du',
    'koenntest du',
    'bitte',
    'mal',
    'por favor',
    'pode',
    'podes',
    'voce pode',
    'puedes',
    'podrias',
    'peux-tu',
    'pouvez-vous',
    "s'il te plait",
    'puoi',
    'per favore',
    'kun je',
    'alsjeblieft',
    'mozesz',
    'prosze',
    'zara',
    'jaldi',
    'kripya',
    'lam on',
    'giup toi',
    'ban oi',
  ])})[\\s,:]+)+`,
);

/** Orders to act on the home: a verb of acting and a device of the same language in one clause. */
const ACT: ReadonlyArray<readonly [verbs: string, devices: string]> = [
  // German: imperatives and the infinitives after "kannst du" ("mach … aus", "schließ … ab", "anmachen")
  [
    String.raw`\b(?:mach|mache|schalt|schalte|schliess|schliesse|sperr|sperre|(?:o|oe)ffne|dreh|drehe|stell|stelle|` +
      String.raw`l(?:o|oe)sch|l(?:o|oe)sche|entriegle|verriegle)\b|\b(?:an|aus|ein|ab|auf|zu|hoch|runter)(?:machen|schalten|` +
      String.raw`schliessen|drehen|stellen|sperren)\b|\b(?:l(?:o|oe)schen|entriegeln|verriegeln|(?:o|oe)ffnen|schliessen)\b`,
    String.raw`\b(?:licht|lichter|lampe|heizung|t(?:u|ue)r|haust(?:u|ue)r|tor|garage|garagentor|fenster|rolll?aden|rollo|` +
      String.raw`jalousie|fernseher|musik|radio|alarm|alarmanlage|herd|ofen|kamera|kameras|aufnahme|aufnahmen|videos?|` +
      String.raw`wasserkocher|kaffeemaschine|staubsauger|l(?:u|ue)ftung|klima|klimaanlage|ventilator|steckdose)\b`,
  ],
  // Portuguese and Spanish
  [
    String.raw`\b(?:desliga|desligue|desligar|liga|ligue|ligar|abre|abra|abrir|fecha|feche|fechar|tranca|tranque|trancar|` +
      String.raw`destranca|destranque|apaga|apague|apagar|acende|acenda|acender|aumenta|aumente|diminui|diminua|deleta|` +
      String.raw`delete|exclui|exclua|enciende|encienda|encender|cierra|cierre|cerrar|sube|baja|borra|borre|elimina)\b`,
    String.raw`\b(?:luz|luzes|luces|lampada|portao|porta|puerta|porton|garagem|garaje|janela|ventana|ar condicionado|` +
      String.raw`aire acondicionado|ventilador|tv|televisao|televisor|tele|musica|alarme|alarma|aquecedor|aquecimento|` +
      String.raw`calefaccion|calefacao|camera|camara|gravacao|gravacoes|grabacion|videos?|fogao|cortina|persiana)\b`,
  ],
  // French and Italian
  [
    String.raw`\b(?:eteins|eteindre|allume|allumer|ouvre|ouvrir|ferme|fermer|verrouille|deverrouille|baisse|monte|` +
      String.raw`supprime|efface|spegni|accendi|apri|chiudi|cancella|alza|abbassa)\b`,
    String.raw`\b(?:lumiere|lampe|porte|portail|garage|fenetre|chauffage|tele|television|musique|alarme|volets?|camera|` +
      String.raw`videos?|enregistrements?|luce|luci|cancello|finestra|riscaldamento|musica|allarme|telecamera)\b`,
  ],
  // Dutch and Polish
  [
    String.raw`\b(?:doe|zet|sluit|wyl(?:a|ą)cz|wlacz|otworz|zamknij|zgas|zapal|usun)\b`,
    String.raw`\b(?:licht|lamp|deur|poort|garage|verwarming|tv|muziek|alarm|camera|swiatlo|drzwi|brama|brame|garaz|okno|` +
      String.raw`ogrzewanie|telewizor|muzyke|muzyka|kamera|kamere|nagranie)\b`,
  ],
  // Hindi in Latin letters: the verb at the end ("darwaza khol do", "light band karo", "fan chala do")
  [
    String.raw`\b(?:khol|kholo|khol do|khol dijiye|band karo|band kar do|bandh karo|band kardo|band kijiye|chalao|chala do|` +
      String.raw`chalu karo|chalu kar do|bujhao|bujha do|jalao|jala do|on karo|on kar do|off karo|off kar do|delete karo|` +
      String.raw`delete kar do|hata do|mita do|laga do|lagao)\b`,
    String.raw`\b(?:darwaza|darwaaza|darvaza|gate|light|lights|batti|bijli|pankha|fan|ac|tv|geyser|tala|khidki|camera|` +
      String.raw`video|recording|heater|cooler|music|alarm)\b`,
  ],
  // Vietnamese: the verb first ("tắt đèn phòng khách đi", "mở cổng giùm")
  [
    String.raw`^(?:tat|bat|mo|dong|khoa|mo khoa|xoa|tang|giam)\b`,
    String.raw`\b(?:den|cua|cong|quat|dieu hoa|may lanh|tivi|ti vi|nhac|bao dong|camera|video|nha xe|cua so|rem|` +
      String.raw`binh nong lanh)\b`,
  ],
];

/** A clause (folded, lead-ins stripped) that orders the home to act in one of these languages. */
const ACT_RE = ACT.map(([verb, device]) => [new RegExp(verb), new RegExp(device)] as const);

export function ordersActionInOtherLanguage(clause: string): boolean {
  return !OTHER_QUESTION_START.test(clause) && ACT_RE.some(([verb, device]) => verb.test(clause) && device.test(clause));
}

/** Verbs of sending or sharing ("schick", "manda", "bhej do", "gửi"), and where to: apps, clouds, phones. */
const SEND_OTHER = new RegExp(
  String.raw`\b(?:schick|schicke|schicken|sende|senden|verschick|verschicke|teile|teilen|hochladen|lade|manda|mande|` +
    String.raw`mandar|envia|envie|enviar|compartilha|compartilhe|compartilhar|posta|poste|postar|publica|publique|` +
    String.raw`comparte|sube|envoie|envoyer|partage|partager|invia|inviare|condividi|stuur|deel|wyslij|udostepnij|` +
    String.raw`bhej|bhejo|bhej do|bhej dijiye|share karo|share kar do|upload karo|upload kar do|gui|chia se|dang|` +
    // German "mailen", Portuguese / Spanish mail verbs
    String.raw`mail|maile|mailen|emaile|emailen|mande por e-?mail|envia por e-?mail)\b`,
);
const SEND_TO_OTHER = new RegExp(
  String.raw`\b(?:whats ?app|zalo|viber|wechat|line|kakao|telegram|signal|instagram|facebook|tiktok|youtube|e-?mail|` +
    String.raw`email|mail|cloud|nuvem|nube|drive|dropbox|icloud|handy|celular|telemovel|portable|mobile|phone|fone|` +
    String.raw`laptop|computer|computador|usb|oma|opa|vovo|avo|abuela|abuelo|nani|dadi|nana|ba ngoai|ong ngoai|grupo|gruppe|group|` +
    // an address: "an meine Arbeitsadresse", "pro meu endereço", "a mi correo"
    String.raw`\w*adresse|endereco|direccion|correo|adresa)\b`,
);
const CAMERA_DATA_OTHER = new RegExp(
  String.raw`\b(?:videos?|aufnahmen?|bilder|bild|fotos?|imagem|imagens|imagen|gravacao|gravacoes|grabacion|clips?|` +
    String.raw`tasveer|tasvir|photo|anh|hinh|nagranie|zdjecie|zdjecia|filmpje|opname)\b`,
);

/** A clause that sends camera data out of the household in one of these languages. */
export function sendsOutInOtherLanguage(clause: string): boolean {
  return !OTHER_QUESTION_START.test(clause) && SEND_OTHER.test(clause) && CAMERA_DATA_OTHER.test(clause) && SEND_TO_OTHER.test(clause);
}

/** A neighbour's camera or house ("die Kamera vom Nachbarn", "câmera do vizinho", "padosi ka camera", "nhà hàng xóm"). */
const NEIGHBOUR =
  String.raw`(?:nachbar|nachbarn|nachbars|vizinho|vizinhos|vizinha|vecino|vecinos|vecina|voisin|voisins|voisine|` +
  String.raw`vicino|vicini|buren|buurman|buurvrouw|sasiad|sasiada|sasiadow|padosi|padosiyon|padosan|hang xom)`;
const PLACE_WORD = String.raw`(?:kamera|kameras|camera|cameras|cam|camara|klingel|turklingel|campainha|timbre|haus|casa|maison|ghar|nha)`;
export const NEIGHBOUR_CAMERA = new RegExp(
  String.raw`\b${PLACE_WORD}\s+(?:(?:vom|von|des|der|do|da|dos|das|de|del|du|di|della|van|ka|ki|ke)\s+)?` +
    String.raw`(?:dem |den |the |la |le |el |o |a )?${NEIGHBOUR}\b|` +
    String.raw`\b${NEIGHBOUR}\s+(?:(?:ka|ki|ke|s|'s)\s+)?${PLACE_WORD}\b`,
);

/** "Ignore the rules" in these languages: a verb of ignoring or forgetting and the agent's rules or instructions. */
const IGNORE =
  String.raw`\b(?:ignorier|ignoriere|ignorieren|vergiss|vergessen|ignora|ignore|ignorar|esqueca|esquece|olvida|oublie|` +
  String.raw`oublier|dimentica|negeer|vergeet|zignoruj|zapomnij|bhool jao|bhool ja|bhul jao|nazarandaz karo|bo qua|quen)\b`;
const RULES =
  String.raw`\b(?:anweisungen|anweisung|regeln|vorgaben|instrucoes|instrucao|regras|instrucciones|reglas|instructions|` +
  String.raw`regles|consignes|istruzioni|regole|instructies|regels|instrukcje|zasady|niyam|instructions|hidayat|huong dan|quy tac|luat)\b`;
export const IGNORE_RULES_OTHER = new RegExp(`${IGNORE}.{0,60}${RULES}|${RULES}.{0,40}${IGNORE}`);
