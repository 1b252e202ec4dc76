import type { Rng } from '../random.ts';

/**
 * Name heritages: which name tables a person draws from. Tied to ethnic category in ethnicity.ts. The names
 * are common given and family names of each community in London (a few dozen each), not any real person.
 */
export type Heritage =
  | 'british'
  | 'irish'
  | 'east-european'
  | 'south-european'
  | 'turkish'
  | 'indian'
  | 'pakistani'
  | 'bangladeshi'
  | 'chinese'
  | 'tamil'
  | 'filipino'
  | 'vietnamese'
  | 'caribbean'
  | 'west-african'
  | 'east-african'
  | 'arab'
  | 'latin-american'
  | 'persian';

interface NameTable {
  male: readonly string[];
  female: readonly string[];
  family: readonly string[];
}

const words = (s: string): string[] => s.split(',').map((w) => w.trim());

// British given names change with birth cohort far more than other communities' names do in these tables:
// popular names of the 1940s-60s, 1970s-80s and 2000s-10s (ONS baby names, England and Wales).
const BRITISH_BY_COHORT: readonly { bornBefore: number; male: readonly string[]; female: readonly string[] }[] = [
  {
    bornBefore: 1965,
    male: words(
      'John, David, Michael, Peter, Robert, Anthony, Brian, Alan, Kenneth, Roger, Keith, Colin, Terence, Raymond, Derek, Geoffrey, Barry, Dennis',
    ),
    female: words(
      'Margaret, Patricia, Susan, Christine, Janet, Barbara, Jean, Sheila, Maureen, Pauline, Valerie, Brenda, Joan, Doreen, Sandra, Linda, Elizabeth, Carol',
    ),
  },
  {
    bornBefore: 1995,
    male: words(
      'Paul, Mark, Andrew, Stephen, Richard, Darren, Lee, Jason, Matthew, Christopher, Daniel, James, Simon, Gary, Neil, Craig, Wayne, Thomas',
    ),
    female: words(
      'Sarah, Claire, Emma, Nicola, Lisa, Michelle, Rachel, Joanne, Kelly, Louise, Victoria, Rebecca, Samantha, Laura, Kerry, Gemma, Hannah, Amy',
    ),
  },
  {
    bornBefore: Infinity,
    male: words(
      'Oliver, Harry, Jack, George, Noah, Charlie, Jacob, Alfie, Freddie, Oscar, Leo, Archie, Joshua, Henry, Theo, Arthur, Luke, Ethan',
    ),
    female: words(
      'Olivia, Amelia, Isla, Ava, Emily, Sophie, Grace, Mia, Poppy, Ella, Lily, Evie, Isabella, Chloe, Jessica, Freya, Florence, Ruby',
    ),
  },
];

const TABLES: Record<Heritage, NameTable> = {
  british: {
    male: [],
    female: [],
    family: words(
      'Smith, Jones, Taylor, Brown, Williams, Wilson, Johnson, Davies, Robinson, Wright, Thompson, Evans, Walker, White, Roberts, Green, Hall, Wood, Jackson, Clarke, Harris, Lewis, Martin, Cooper, Hill, Ward, Hughes, Turner, Baker, Morris, Parker, Cook, Bennett, Marshall, Fletcher, Palmer',
    ),
  },
  irish: {
    male: words(
      'Sean, Patrick, Liam, Ciaran, Declan, Niall, Eoin, Conor, Brendan, Kieran, Padraig, Colm, Michael, Cormac',
    ),
    female: words(
      'Siobhan, Aoife, Niamh, Roisin, Ciara, Orla, Sinead, Grainne, Maeve, Bridget, Aisling, Mary, Deirdre, Caoimhe',
    ),
    family: words(
      "Murphy, Kelly, O'Sullivan, Walsh, O'Brien, Byrne, Ryan, O'Connor, O'Neill, Doyle, McCarthy, Gallagher, Doherty, Kennedy, Lynch, Quinn, Brennan, Fitzgerald",
    ),
  },
  'east-european': {
    male: words(
      'Piotr, Tomasz, Krzysztof, Marcin, Paweł, Andrzej, Jakub, Mateusz, Łukasz, Andrei, Ionuţ, Mihai, Florin, Darius, Georgi, Nikolai',
    ),
    female: words(
      'Anna, Katarzyna, Magdalena, Agnieszka, Joanna, Małgorzata, Monika, Ewa, Ioana, Elena, Andreea, Alexandra, Simona, Ivana, Mariya, Daniela',
    ),
    family: words(
      'Nowak, Kowalski, Wiśniewski, Wójcik, Kowalczyk, Kamiński, Lewandowski, Zieliński, Szymański, Dąbrowski, Popescu, Ionescu, Popa, Dumitru, Stan, Petrov, Ivanov, Georgiev',
    ),
  },
  'south-european': {
    male: words(
      'João, Pedro, Miguel, Luís, Rui, Tiago, Marco, Luca, Giuseppe, Alessandro, Carlos, Javier, Alejandro, Nikos, Giorgos, Dimitris',
    ),
    female: words(
      'Ana, Maria, Inês, Catarina, Sofia, Beatriz, Giulia, Francesca, Chiara, Laura, Lucía, Carmen, Elena, Eleni, Katerina, Marta',
    ),
    family: words(
      'Silva, Santos, Ferreira, Pereira, Oliveira, Costa, Rodrigues, Rossi, Russo, Ferrari, Esposito, Bianchi, García, Fernández, López, Martínez, Georgiou, Christou',
    ),
  },
  turkish: {
    male: words('Mehmet, Mustafa, Ahmet, Ali, Hüseyin, Hasan, Emre, Murat, Kemal, Osman, Burak, Serkan'),
    female: words('Ayşe, Fatma, Emine, Hatice, Zeynep, Elif, Meryem, Sevgi, Derya, Özlem, Gülşen, Ebru'),
    family: words('Yilmaz, Kaya, Demir, Şahin, Celik, Yildiz, Aydin, Öztürk, Arslan, Dogan, Kiliç, Aslan, Çetin, Kara'),
  },
  indian: {
    male: words(
      'Rajesh, Sanjay, Amit, Vijay, Rahul, Arjun, Rohan, Vikram, Sunil, Anil, Harpreet, Gurpreet, Jaswinder, Dev, Nikhil, Ravi, Aarav',
    ),
    female: words(
      'Priya, Anjali, Sunita, Neha, Pooja, Kavita, Meena, Asha, Deepa, Rekha, Manjit, Harjit, Simran, Divya, Nisha, Anita, Shreya',
    ),
    family: words(
      'Patel, Patel, Shah, Singh, Sharma, Gupta, Mehta, Desai, Joshi, Kumar, Mistry, Parmar, Solanki, Chauhan, Gill, Sandhu, Dhillon, Sidhu, Nair, Chopra, Malhotra',
    ),
  },
  pakistani: {
    male: words(
      'Muhammad, Ahmed, Ali, Imran, Bilal, Usman, Zubair, Asif, Tariq, Kamran, Faisal, Adnan, Hamza, Zain, Omar, Ibrahim',
    ),
    female: words(
      'Ayesha, Fatima, Sana, Amna, Hina, Nadia, Samina, Rubina, Saima, Zainab, Maryam, Aisha, Shazia, Iqra, Mehwish, Noor',
    ),
    family: words(
      'Khan, Hussain, Ahmed, Ali, Iqbal, Akhtar, Malik, Butt, Qureshi, Raja, Chaudhry, Shah, Mahmood, Rashid, Aslam, Bashir, Sheikh, Mirza',
    ),
  },
  bangladeshi: {
    male: words(
      'Mohammed, Abdul, Shahid, Rahim, Jamal, Kamal, Rafiq, Shafiq, Habib, Anwar, Nazrul, Mizanur, Ashik, Rayhan, Tanvir, Imran',
    ),
    female: words(
      'Rahima, Shahana, Nasima, Rokeya, Fahmida, Taslima, Sultana, Jahanara, Salma, Rumana, Shirin, Nazia, Farzana, Tahmina, Sabina, Halima',
    ),
    family: words(
      'Miah, Uddin, Rahman, Ahmed, Ali, Islam, Hussain, Hoque, Chowdhury, Khan, Karim, Alam, Hassan, Sarker, Bhuiyan, Haque, Hossain, Begum',
    ),
  },
  chinese: {
    male: words('Wei, Jian, Ming, Jun, Hao, Lei, Yong, Kai, Tao, Qiang, Wing, Kwok, Hiu, Zhen'),
    female: words('Li, Mei, Xin, Yan, Hui, Ying, Jing, Lan, Fang, Xiu, Ling, Yu, Shan, Hua'),
    family: words(
      'Wang, Li, Zhang, Liu, Chen, Yang, Huang, Zhao, Wu, Zhou, Lin, Chan, Wong, Cheung, Lau, Ho, Leung, Ng',
    ),
  },
  tamil: {
    male: words('Suresh, Ramesh, Ganesh, Kumaran, Senthil, Prakash, Karthik, Thilak, Rajan, Sivakumar, Arun, Murali'),
    female: words('Lakshmi, Kala, Vani, Shanthi, Priya, Kavitha, Malathi, Sangeetha, Thulasi, Geetha, Revathi, Yamuna'),
    family: words(
      'Sivakumar, Rajaratnam, Kanagaratnam, Thambiah, Selvarajah, Nadarajah, Balasubramaniam, Jeyakumar, Kandiah, Ratnam, Sivalingam, Yogarajah',
    ),
  },
  filipino: {
    male: words('Jose, Juan, Rodel, Jerome, Ramon, Rogelio, Christian, Jomar, Arnel, Danilo, Renato, Efren'),
    female: words(
      'Maria, Rosalie, Jocelyn, Marites, Lorna, Cristina, Analyn, Maricel, Rowena, Divina, Luzviminda, Angelica',
    ),
    family: words(
      'Santos, Reyes, Cruz, Bautista, Garcia, Mendoza, Ramos, Dela Cruz, Aquino, Villanueva, Castillo, Flores',
    ),
  },
  vietnamese: {
    male: words('Minh, Tuan, Hung, Duc, Thanh, Long, Nam, Quang, Huy, Khanh'),
    female: words('Linh, Lan, Hoa, Mai, Thu, Huong, Trang, Ngoc, Phuong, Thao'),
    family: words('Nguyen, Tran, Le, Pham, Hoang, Phan, Vu, Dang, Bui, Do'),
  },
  caribbean: {
    male: words(
      'Marcus, Trevor, Leroy, Winston, Delroy, Everton, Clive, Desmond, Tyrone, Jerome, Andre, Jamal, Dwayne, Kyle, Tyrese, Jaden, Elijah',
    ),
    female: words(
      'Marcia, Beverley, Sonia, Janet, Pauline, Hyacinth, Yvonne, Donna, Tanisha, Shanice, Aaliyah, Jada, Keisha, Monique, Chantelle, Simone',
    ),
    family: words(
      'Campbell, Williams, Brown, Thomas, Clarke, Francis, Grant, Morgan, Reid, Henry, Edwards, Bailey, Lewis, Forbes, Powell, Samuels, McKenzie, Gordon',
    ),
  },
  'west-african': {
    male: words(
      'Oluwaseun, Adebayo, Chukwuemeka, Emeka, Kwame, Kofi, Kwabena, Tunde, Femi, Olumide, Chinedu, Ikenna, Babatunde, Samuel, Emmanuel, Daniel, David, Joshua',
    ),
    female: words(
      'Funmilayo, Adaeze, Chiamaka, Ngozi, Folasade, Yetunde, Abena, Akosua, Ama, Blessing, Grace, Esther, Comfort, Oluwatoyin, Chioma, Temitope, Precious, Favour',
    ),
    family: words(
      'Adeyemi, Okafor, Okonkwo, Adebayo, Olawale, Eze, Nwosu, Ogunleye, Mensah, Boateng, Owusu, Asante, Osei, Agyeman, Adeleke, Balogun, Obi, Afolabi',
    ),
  },
  'east-african': {
    male: words(
      'Mohamed, Abdi, Abdullahi, Hassan, Yusuf, Ahmed, Omar, Ali, Mahad, Tesfaye, Yonas, Dawit, Samuel, Filmon',
    ),
    female: words('Fadumo, Hodan, Amina, Sahra, Ifrah, Hibo, Asha, Nimco, Ubah, Saba, Helen, Semhar, Selam, Ruth'),
    family: words(
      'Mohamed, Abdi, Hassan, Ahmed, Ali, Warsame, Farah, Osman, Jama, Hersi, Tesfaye, Gebremariam, Haile, Kidane',
    ),
  },
  arab: {
    male: words(
      'Mohammed, Ahmad, Omar, Khalid, Yousef, Karim, Tarek, Samir, Hassan, Ibrahim, Walid, Nabil, Rami, Adam',
    ),
    female: words('Fatima, Layla, Nour, Rania, Yasmin, Huda, Mariam, Salma, Dina, Lina, Reem, Hanan, Sara, Amira'),
    family: words(
      'Al-Sayed, Haddad, Khalil, Mansour, Nasser, Saleh, Hamdan, Aziz, Abboud, Darwish, El-Masri, Ibrahim, Jaber, Yousef, Barakat',
    ),
  },
  'latin-american': {
    male: words('Carlos, Luis, Jorge, Juan, Andrés, Diego, Felipe, Santiago, Mateo, Gabriel, Rafael, Lucas'),
    female: words(
      'María, Camila, Valentina, Daniela, Gabriela, Paula, Natalia, Carolina, Juliana, Luisa, Isabela, Fernanda',
    ),
    family: words(
      'Gómez, Rodríguez, Hernández, Ramírez, Torres, Vargas, Castro, Moreno, Rojas, Restrepo, Oliveira, Souza, Lima, Carvalho',
    ),
  },
  persian: {
    male: words('Reza, Ali, Mohammad, Hossein, Amir, Mehdi, Dariush, Kian, Arash, Babak, Farhad, Navid'),
    female: words('Maryam, Zahra, Fatemeh, Shirin, Leila, Nasrin, Parisa, Roya, Sara, Mahsa, Niloufar, Azadeh'),
    family: words(
      'Hosseini, Mohammadi, Ahmadi, Rezaei, Karimi, Jafari, Rahimi, Moradi, Tehrani, Rostami, Sadeghi, Kazemi',
    ),
  },
};

function givenTable(heritage: Heritage, sex: 'male' | 'female', birthYear: number): readonly string[] {
  if (heritage === 'british') {
    for (const cohort of BRITISH_BY_COHORT) if (birthYear < cohort.bornBefore) return cohort[sex];
  }
  return TABLES[heritage][sex];
}

/** A given name for someone of this heritage, sex and birth year. */
export function pickGivenName(rng: Rng, heritage: Heritage, sex: 'male' | 'female', birthYear: number): string {
  const table = givenTable(heritage, sex, birthYear);
  return table[Math.floor(rng.next() * table.length)]!;
}

/** A family name of this heritage, in its masculine or unmarked form. */
export function pickFamilyName(rng: Rng, heritage: Heritage): string {
  const table = TABLES[heritage].family;
  for (;;) {
    const name = table[Math.floor(rng.next() * table.length)]!;
    // Begum is a woman's name in Bangladeshi naming: never a household's family name.
    if (name !== 'Begum') return name;
  }
}

// Polish -ski/-cki become -ska/-cka for women; Bulgarian -ov/-ev take -a. Sikh women are most often
// registered as Kaur where men are Singh. Many Bangladeshi women are registered as Begum.
const FEMININE_FORMS: ReadonlyMap<string, string> = new Map(
  [...TABLES['east-european'].family, 'Singh']
    .map((name): [string, string] => {
      if (name === 'Singh') return [name, 'Kaur'];
      if (name.endsWith('ski') || name.endsWith('cki')) return [name, `${name.slice(0, -1)}a`];
      if (name.endsWith('ov') || name.endsWith('ev')) return [name, `${name}a`];
      return [name, name];
    })
    .filter(([from, to]) => from !== to),
);

/** The form of a family name a woman of this heritage would be registered under. */
export function feminineFamilyName(rng: Rng, family: string, heritage: Heritage): string {
  if (heritage === 'bangladeshi' && rng.chance(0.4)) return 'Begum';
  if (heritage === 'indian' && family === 'Singh') return rng.chance(0.8) ? 'Kaur' : family;
  return FEMININE_FORMS.get(family) ?? family;
}
