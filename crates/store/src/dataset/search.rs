//! Finding people in one dataset for the portal: by NI number, by record id, or by name (family name
//! prefix, with the given name's prefix when two words are typed), keyset-paged like `list_people`.
//! Audited once per page, as a list.

use domain::person::{NiNumber, Person};

use super::people::{PERSON_SELECT, person_from_row};
use super::{Dataset, Record};
use crate::audit::Event;
use crate::error::Result;
use crate::page::{Page, PageOf};

/// The words of a name query, lower-cased, with LIKE's wildcards and anything else odd dropped.
fn name_words(text: &str) -> Vec<String> {
    text.split_whitespace()
        .map(|w| {
            w.chars().filter(|c| c.is_alphanumeric() || *c == '\'' || *c == '-').collect::<String>().to_lowercase()
        })
        .filter(|w| !w.is_empty())
        .take(4)
        .collect()
}

impl Dataset<'_> {
    /// People matching `text`: an NI number finds that person, a record id that record, anything else
    /// is a name: its last word a family name prefix, earlier words given name prefixes. Empty text
    /// lists everyone. Ordered by family name then id; the cursor is the last person's id.
    pub async fn search_people(&self, text: &str, page: &Page) -> Result<PageOf<Record<Person>>> {
        let text = text.trim();
        if text.is_empty() {
            return self.list_people(page).await;
        }
        let limit = page.checked_limit()?;
        if let Ok(ni) = NiNumber::parse(text) {
            return Ok(match self.find_person_by_ni(&ni).await {
                Ok(person) => PageOf { items: vec![person], next: None },
                Err(crate::StoreError::NotFound) => PageOf { items: vec![], next: None },
                Err(other) => return Err(other),
            });
        }
        if text.len() == 36 && text.bytes().all(|b| b.is_ascii_hexdigit() || b == b'-') {
            return Ok(match self.get_person(text).await {
                Ok(person) => PageOf { items: vec![person], next: None },
                Err(crate::StoreError::NotFound) => PageOf { items: vec![], next: None },
                Err(other) => return Err(other),
            });
        }
        let words = name_words(text);
        let Some((family, given)) = words.split_last() else {
            return Ok(PageOf { items: vec![], next: None });
        };
        // $1 org, $2 family prefix, $3 limit, then given-name prefixes, then the cursor.
        let mut sql = format!("{PERSON_SELECT} WHERE org_id = $1 AND LOWER(family_name) LIKE $2");
        let mut n = 4;
        for _ in given {
            sql.push_str(&format!(" AND LOWER(doc) LIKE ${n}"));
            n += 1;
        }
        if page.after.is_some() {
            sql.push_str(&format!(
                " AND (family_name, id) > (SELECT family_name, id FROM people WHERE org_id = $1 AND id = ${n})"
            ));
        }
        sql.push_str(" ORDER BY family_name, id LIMIT $3");
        let mut query = sqlx::query(&sql).bind(self.org()).bind(format!("{family}%")).bind(limit + 1);
        for word in given {
            query = query.bind(format!("%\"given_name\":\"{word}%"));
        }
        if let Some(after) = &page.after {
            query = query.bind(after);
        }
        let mut tx = self.begin().await?;
        let rows = query.fetch_all(&mut *tx).await?;
        let items = rows.iter().map(person_from_row).collect::<Result<Vec<_>>>()?;
        self.audit(&mut tx, Event::dataset("person.search")).await?;
        tx.commit().await?;
        Ok(PageOf::from_overfetch(items, limit, |r| r.id.clone()))
    }
}

#[cfg(test)]
mod tests {
    use super::name_words;

    #[test]
    fn name_words_drop_wildcards_and_lower_case() {
        assert_eq!(name_words(" Jane  O'Brien-Smith "), vec!["jane", "o'brien-smith"]);
        assert_eq!(name_words("50%_x"), vec!["50x"]);
        assert!(name_words("%%").is_empty());
    }
}
