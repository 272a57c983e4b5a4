#!/usr/bin/env python3
"""Build the default input workbook inputs/corridors.xlsx.

    python inputs/build_default_workbook.py

Every number of the workbook is written here, in the data tables below, with
where it comes from: an S-number of /work/shared/data/corridor_facts.md
(listed on the References sheet), "GK" (general knowledge, approximate) or an
assumption A## (listed on the Assumptions sheet), and a confidence H/M/L.
Derived values (a speed from a travel time, USD per tonne from USD per truck)
are computed here and the arithmetic is written to the Sources sheet.

The workbook holds plain values only (no formulas) and ids as text. The output
is byte-for-byte stable: fixed document dates and fixed zip timestamps.

At the end the script checks its own work (spec: shared/spec/model.md §3-4):
every flow has a route today or an alternative cost, every generalized cost is
> 0, no project makes a segment dearer, every reference resolves and every id
is unique; then it prints representative routes and costs today and with all
projects, each project's standalone gain, and the counts.

Needs openpyxl and networkx only.
"""
from __future__ import annotations

import datetime
import io
import math
import re
import sys
import zipfile
from pathlib import Path

import networkx as nx
from openpyxl import Workbook
from openpyxl.styles import Font

HERE = Path(__file__).resolve().parent
OUTPUT = HERE / "corridors.xlsx"
FIXED_DATE = datetime.datetime(2026, 1, 1, 0, 0, 0)  # document created/modified date
H, M, L = "H", "M", "L"
CONF_RANK = {H: 2, M: 1, L: 0}

# ============================================================================
# 1. References (facts file, "References") used in this workbook
# ============================================================================
REFERENCES = {
    "S1": ("CPMM 2022 Pakistan", "cpmm.carecprogram.org/?p=141"),
    "S2": ("CPMM 2022 Kyrgyz", "cpmm.carecprogram.org/2022-report/kyrgyz-republic"),
    "S3": ("CPMM 2023 Kyrgyz", "cpmm.carecprogram.org/2023-report/kyrgyz-republic"),
    "S4": ("CPMM 2022 Kazakhstan", "cpmm.carecprogram.org/2022-report/kazakhstan"),
    "S5": ("CPMM 2022 Uzbekistan", "cpmm.carecprogram.org/2022-report/uzbekistan"),
    "S6": ("CPMM 2020 Afghanistan", "cpmm.carecprogram.org/2020-report/afghanistan/"),
    "S7": ("CPMM 2020 Tajikistan", "cpmm.carecprogram.org/2020-report/tajikistan"),
    "S8": ("CPMM 2023 BCP Monitor", "cpmm.carecprogram.org/?p=440"),
    "S9": ("CPMM 2022 Rail", "cpmm.carecprogram.org/?p=133"),
    "S10": ("CPMM 2020 Road", "cpmm.carecprogram.org/2020-report/road-transport"),
    "S11": ("Railway Gazette, CKU launch",
            "railwaygazette.com/infrastructure/china-kyrgyzstan-uzbekistan-railway-construction-"
            "officially-launched/68088.article"),
    "S12": ("Trend, CKU 486 km", "en.trend.az/casia/uzbekistan/3979350.html"),
    "S14": ("The Nation, KKH Ph-II PC-I",
            "nation.com.pk/31-May-2024/nha-saves-rmb6-2b-in-approval-of-pc-i-for-kkh-phase-ii"),
    "S15": ("ProPakistani, KKH $1.8bn",
            "propakistani.pk/2022/12/20/china-agrees-to-give-1-6-billion-to-pakistan-for-"
            "karakoram-highway/"),
    "S17": ("APP/NHA report (no URL)", "excerpt seen without a URL"),
    "S18": ("The News, Havelian-Thakot",
            "thenews.com.pk/print/694781-havelian-thakot-higway-to-serve-as-major-project-of"),
    "S19": ("HRNW, ML-1 $6.66bn", "hrnww.com/index.php?rest_route=%2Fwp%2Fv2%2Fposts%2F16874"),
    "S20": ("Railway Journal, ML-1",
            "railjournal.com/infrastructure/pakistan-approves-us-7-2bn-mainline-i-project/"),
    "S21": ("Daily The Patriot, Quetta-Taftan/ML-1",
            "dailythepatriot.com/feasibility-study-of-quetta-taftan-railway-track-completed-"
            "sheikh-rasheed/"),
    "S22": ("APP, Havelian-Khunjrab rail",
            "app.com.pk/proposal-to-lay-havelian-khunjrab-railway-line-under-consideration/"),
    "S23": ("Wikipedia, Khunjerab Railway",
            "a.osmarks.net/content/wikipedia_en_all_maxi_2020-08/A/Khunjerab_Railway"),
    "S24": ("UrduPoint, Quetta-Taftan trains",
            "urdupoint.com/en/pakistan/ten-freight-trains-operate-between-pakistan-1421269.html"),
    "S25": ("Zameen, SGR Quetta-Taftan", "zameen.com/news/first-standard-gauge-rail-track.html"),
    "S26": ("IRNA, PR-Iran links",
            "en.irna.ir/news/83562102/Pakistan-railways-seek-better-links-with-Iran-revival-of-ECO"),
    "S27": ("Astana Times, Trans-Afghan FS",
            "astanatimes.com/2025/07/uzbekistan-pakistan-and-afghanistan-sign-agreement-on-trans-"
            "afghan-railway/"),
    "S28": ("Kabul Times, Trans-Afghan $5bn",
            "thekabultimes.com/termez-kabul-peshawar-railway-initiative-work-to-begin-soon/"),
    "S29": ("Frontier Post, ARA 764 km",
            "thefrontierpost.com/ara-pakistan-requests-change-to-planned-trans-afghanistan-"
            "railway-route/"),
    "S30": ("TDMI, UAP route/FS",
            "tdminews.com/islamabad-tashkent-kabul-finalise-inter-regional-railway-track"),
    "S32": ("Wealth Pakistan, Kharlachi",
            "wealthpakistan.com.pk/pakistan-afghan-railway-land-acquisition-kharlachi"),
    "S34": ("Arab News, Kazakh rail offer", "arabnews.pk/node/2630883"),
    "S35": ("WorldWatchAlert, 687 km", "worldwatchalert.com/?p=763"),
    "S36": ("Times of Central Asia, Tokayev visit", "timesca.com/our-people/davide-cancarini"),
    "S37": ("UrduPoint, Kistafin Aug 2025",
            "urdupoint.com/en/pakistan/kazakhstans-president-to-visit-pakistan-in-2028487.html"),
    "S38": ("News.az, Torghundi-Herat",
            "news.az/news/afghanistan-and-kazakhstan-agree-to-establish-new-transport-line"),
    "S39": ("Heart of Asia, Afghan rail", "heartofasia.af/?p=59343"),
    "S40": ("Railway Gazette, Afghan surveys",
            "railwaygazette.com/infrastructure/afghan-railway-extension-surveys-underway/"
            "66569.article"),
    "S41": ("EIR, Herat-Kandahar",
            "eir.news/2025/02/news/afghanistan-moves-to-development-a-cross-country-rail-corridor"),
    "S42": ("Times of CA, Hairatan-Mazar",
            "timesca.com/index.php/news/6834-central-asia-developing-railroad-network"),
    "S43": ("Kierunek Kaukaz, Hairatan rehab",
            "kierunekkaukaz.pl/2024/02/28/uzbekistan-i-afganistan-rozpoczynaja-odbudowe-linii-"
            "kolejowej-hairatan-mazar-i-sharif/"),
    "S44": ("AFP via GlobeStream, Hairatan",
            "globestreamnews.com/the-taliban-government-has-big-dreams-for-afghan-railways"),
    "S45": ("Daily Pakistan, Khunjerab closure",
            "en.dailypakistan.com.pk/29-Nov-2024/pak-china-khunjerab-border-closes-for-four-months"),
    "S46": ("Daily Times, Khunjerab year-round",
            "dailytimes.com.pk/1280769/china-pakistan-trade-surges-as-khunjerab-pass-opens-year-"
            "round/"),
    "S47": ("The Nation, KKH all-weather",
            "nation.com.pk/15-Jan-2024/nha-successfully-makes-kkh-an-all-weather-route"),
    "S48": ("INP, Sost dry port",
            "inp.net.pk/news-detail/pak-china/sost-dry-port-enters-second-year-of-cargo-trade-via-"
            "khunjerab-pass"),
    "S49": ("Profit (SBP), FY25 CAR trade", "profit.pakistantoday.com.pk/?p=206854"),
    "S56": ("Trend, IMF Uzbekistan", "trend.az/business/4104989.html"),
    "S57": ("CentralAsianLight, IMF CA",
            "centralasianlight.org/news/imf-predicts-sustainable-economic-growth-in-tajikistan-"
            "and-other-central-asian-countries"),
    "S58": ("Hummels & Schaur 2013 AER", "aeaweb.org/articles.php?doi=10.1257/aer.103.7.2935"),
    "S59": ("Djankov-Freund-Pham, Trading on Time", "ideas.repec.org/p/wbk/wbrwps/3909.html"),
    "S60": ("Disdier & Head, Distance Effect",
            "papers.ssrn.com/sol3/papers.cfm?abstract_id=665083"),
    "S61": ("NLC, TIR to UZ/KZ",
            "nlc.com.pk/NLC-delivering-consignments-to-uzbekistan-kazakhstan-via-land-route-thru-"
            "afghanistan/index.php"),
    "S62": ("invest.gov.uz, TIR pilot",
            "invest.gov.uz/en/mediacenter/news/from-uzbekistan-to-pakistan-in-48-hours-the-first-"
            "pilot-flight-under-the-tir-convention-is-completed/"),
    "S63": ("Wadsam, WB Peshawar-Torkham",
            "wadsam.com/afghan-business-news/wb-invest-460m-peshawar-torkham-expressway-23773/"),
    "S64": ("Arab News, Peshawar-Torkham", "arabnews.pk/node/1330846"),
    "S65": ("Express Tribune, Peshawar-Kabul",
            "tribune.com.pk/story/1211428/peshawar-kabul-motorway-islamabad-clears-process-"
            "hiring-consultants?amp=1"),
    "S66": ("Burak Baloch, N-25 CDWP", "burakbaloch.pk/?p=15928"),
    "S67": ("UrduPoint, N-25 PM",
            "urdupoint.com/en/pakistan/pm-shehbaz-greenlights-transformation-of-kara-1975248.html"),
    "S68": ("PCQ, ITTMS terminals",
            "pcq.com.pk/97-work-on-modern-border-terminals-at-torkham-chaman-completed"),
    "S69": ("ADB 46378-002", "adb.org/projects/46378-002/main"),
    "S70": ("FreshPlaza, Torkham trucks",
            "freshplaza.com/asia/article/9456364/pakistan-customs-increase-passage-of-1-200-"
            "trucks-per-day-at-torkham/"),
    "S71": ("Logistics Cluster, Torkham",
            "dlca.logcluster.org/233-afghanistan-land-border-crossing-torkham-pakistan"),
    "S75": ("CAREC, Bishkek-Torugart AF",
            "carecprogram.org/?feature=adb-approves-additional-financing-bishkek-torugart-road"),
    "S77": ("CAREC, Bishkek-Osh ph4", "carecprogram.org/index.php?page=carec-project-details&pid=416"),
    "S78": ("Kabar, Tashkent-Kashgar convoy",
            "en.kabar.kg/eng/news/first-highway-convoy-route-of-tashkent-andijan-osh-irkeshtam-"
            "kashgar-will-kick-off-on-feb.25/"),
    "S79": ("Vesti.kg, Andijan-Irkeshtam",
            "kg.vesti.news/uzbekistan-hochet-postroit-trassu-andizhan-irkeshtam-17090921101052.htm"),
    "S80": ("Trend, Erkeshtam capacity", "en.trend.az/casia/kyrgyzstan/3868922.html"),
    "S81": ("Kaktus, CN-KG BCP regime",
            "kaktus.media/doc/493256_kpp_na_granice_s_knr_bydyt_vremenno_zakryty.html"),
    "S84": ("KTZ, Altynkol record",
            "railways.kz/en/news2025/record-volume-train-transfers-china-altynkol-ijp/"),
    "S85": ("Astana Times, Khorgos Gateway",
            "astanatimes.com/2026/02/khorgos-gateway-boosts-transit-capacity-handles-over-"
            "372000-teus-in-2025/"),
    "S88": ("Intermodal News, KZ-CN road BCPs",
            "intermodalnews.eu/2021/12/24/kazakhstan-and-china-increase-throughput-capacity-of-"
            "road-border-crossings/"),
    "S91": ("Oceansky, Altynkol", "oceansky-logistics.com/en/ceansky_news/details/82.html"),
    "S93": ("Report.az, Sarakhs",
            "report.az/en/amp/infrastructure/turkmenistan-iran-increase-rail-cargo-turnover"),
    "S94": ("Daylinews, Bandar Abbas train",
            "en.daylinews.ir/tashkent-says-its-1st-cargo-train-uses-iran-as-transit-route/"),
    "S96": ("ESCAP AH priority annex",
            "pdfslide.us/documents/annex-profiles-of-priority-projects-along-the-asian-sections-"
            "under-study-adb-1.html"),
    "S97": ("Logistics Cluster, AF roads", "dlca.logcluster.org/print-preview-current-section/693"),
    "S101": ("Worldtradia, Khorgos; Siasat, ITI train",
             "worldtradia.com/khorgos-the-gateway-dry-port/ ; archive.siasat.com/news/pak-iran-"
             "turkey-rail-freight-begins-august-14-24866"),
    "S102": ("NLC China-UAE (no URL); The Nation 2015",
             "nation.com.pk/01-Dec-2015/khunjerab-pass-closed-for-4-months"),
    "S103": ("Daily Metro Time, N-25 PSDP", "dailymetrotime.com/?p=29111"),
    "S107": ("Invexi, IMF Jan 2026",
             "invexi.org/press/imf-global-economy-demonstrates-resilience-amid-divergent-forces"),
    "S108": ("CFTS, Khorgos dry port",
             "en.cfts.org.ua/news/kazakhstans_khorgos_dry_port_aiming_to_handle_05_million_teu_"
             "per_year_by_2020"),
    "S109": ("RAND Europe, Dutch VOT",
             "studylib.net/doc/12815462/6-om-as-a-public-service-of-the-rand-corporation."),
}

# ============================================================================
# 2. Key modelling constants (each is an assumption or a sourced value)
# ============================================================================
TRUCK_LOAD_T = 20.0          # A01: CPMM costs are per 20-t load (truck or wagon/container)
TRUCK_SPEED_CAP = 60.0       # A02: heavy-truck average speed cap, km/h
CARGO_VALUE_USD_T = 1500.0   # A03: representative cargo value, USD per tonne
DAILY_TIME_COST = 0.010      # A03: 1.0% of cargo value per day in transit (facts 5d: 0.6-2.1%)
VOT = round(CARGO_VALUE_USD_T * DAILY_TIME_COST / 24, 4)   # USD per tonne-hour = 0.625
MOUNTAIN_PREMIUM = 1.5       # A10: running cost on high-mountain roads (KKH, G314)
TRANSFER_H, TRANSFER_USD_T = 12.0, 5.0  # A16: one road<->rail transfer (lift + wait for train)

# ============================================================================
# 3. Assumptions
# ============================================================================
ASSUMPTIONS = [
    ("A01", "CPMM border costs (TFI2) are per 20-t load; USD per vehicle or wagon load is "
            "divided by 20 t to give USD per tonne.",
     "Segments: fixed_cost_usd_per_t of every border and gauge-change segment",
     "CPMM normalises its cost indicators to a 20-t load (TFI3 is USD per 500 km per 20-t "
     "load, facts 5c); a 20-t truckload is also the usual TIR consignment."),
    ("A02", "Road speed = length / the segment's travel time of facts table 2a where one is "
            "given, capped at 60 km/h for heavy trucks; where 2a gives no time, the CPMM "
            "speed without delay (SWOD) of the country.",
     "Segments: speed_kmh of road segments; ProjectEffects speeds",
     "2a times are mostly light-vehicle driving times (e.g. Karachi-Lahore 16 h = 76 km/h); a "
     "loaded truck averages no more than ~60 km/h. With the cap, Tashkent-Andijan-Osh-Irkeshtam-"
     "Kashgar comes out at ~35 h against 31 h for the 2017 convoy [S78]; Tashkent to the Torkham "
     "border at ~58 h (Hairatan crossing included) against 48 h for the TIR pilot [S62]; Karachi-"
     "Tashkent (~3,000 km [S61]) at ~5.5 days against 5 days for the 2021 pilot."),
    ("A03", "Value of time 0.625 USD per tonne-hour = cargo value 1,500 USD/t x 1.0% per day "
            "/ 24 h.",
     "Parameters: value_of_time_usd_per_t_h; every generalized cost",
     "Facts 5d: a day in transit costs 0.6-2.1% of cargo value [S58]; each extra day cuts "
     "trade by ~1% [S59]; shippers value time savings close to cost savings [S109]. The "
     "modelled trade is mostly bulk and agricultural (less time-sensitive than the parts and components at the top "
     "of the range), so 1.0%/day is taken. 1,500 USD/t sits between the bilateral mix "
     "(~1,000 USD/t, Demand) and transit/Xinjiang cargo (1,600-7,700 USD/t); the volume-weighted "
     "mean of value_usd_per_t on the Demand sheet is printed by the build script. Check: a 20-t "
     "truck worth 30,000 USD costs 300 USD/day, inside the 240-840 USD/day of facts 5d."),
    ("A04", "Default elasticity of trade volume to generalized cost = 1.5.",
     "Parameters: default_elasticity; every flow with a blank elasticity",
     "Literature (facts 5d): distance elasticity ~0.9 [S60]; transport-cost elasticity 2-3 "
     "(Limao & Venables, GK); trade-cost elasticity 4-6 on ad-valorem costs, which for freight "
     "costs of 15-25% of cargo value is ~0.6-1.5 per unit of freight cost. 1.5 lies between the "
     "distance-based lower end and the 2-3 of Limao-Venables, and is conservative because the "
     "model already moves traffic between routes explicitly (the elasticity only has to capture "
     "trade creation)."),
    ("A05", "Horizon year 2035.",
     "Parameters: horizon_year; the potential volume of every flow",
     "The model assumes a selected project is in service in the horizon year. CKU opens ~2030 "
     "[S11] and needs ramp-up; KKH Phase II is a 2025-2030 EPC [S14]; new rail lines (Trans-"
     "Afghan, Kazakh offer: ~3 years after agreement [S34]) cannot be in service before the "
     "early 2030s. 2035 is the first year in which every candidate could plausibly run; "
     "growth is compounded over 10 years from the 2025 base."),
    ("A06", "China: road 0.050 USD/t-km (0.075 on the G314 mountain road, A10), rail 0.025 "
            "USD/t-km, rail speed 45 km/h.",
     "Segments in China (Xinjiang)",
     "CPMM does not cover China. Chinese trucking rates ~0.3-0.4 RMB/t-km and China Railway "
     "freight tariffs ~0.15-0.2 RMB/t-km (GK) at 7.25 RMB/USD."),
    ("A07", "Iran: road 0.040 USD/t-km, road speed 50 km/h where no time is given; rail "
            "0.035 USD/t-km at 40 km/h.",
     "Segments in Iran",
     "CPMM does not cover Iran; subsidised diesel makes Iranian trucking among the cheapest in "
     "the region (GK). With these values Tashkent-Bandar Abbas by rail, with border, gauge and "
     "terminal times, takes ~7 days against ~14 days reported for the first train [S94] (which "
     "included waiting); the model's rail times are optimistic rather than pessimistic."),
    ("A08", "Turkmenistan: CAREC averages (road 0.092 USD/t-km and 42.9 km/h SWOD [S10]; rail "
            "0.080 USD/t-km and 53.9 km/h SWOD [S9]).",
     "Segments in Turkmenistan",
     "Turkmenistan is not in the CPMM country tables of the facts file."),
    ("A09", "Pakistan rail: 0.040 USD/t-km, 25 km/h average freight speed (before ML-1).",
     "ML-1 and branch-line rail segments",
     "No CPMM figure for Pakistan rail. Pakistan Railways freight is slow (max ~80 km/h, long "
     "stops, single track north of Lodhran) [S19][S20]; tariffs are below road (0.055). "
     "Both values are rough."),
    ("A10", "High-mountain roads (KKH Sost-Raikot-Thakot, Khunjerab-Sost, China G314 Kashgar-"
            "Khunjerab) cost 1.5 x the country's USD/t-km.",
     "Segments R_SST_KJB, R_RKT_SST, R_THK_RKT, R_KHG_KJB",
     "Steep grades at up to 4,700 m, smaller loads and more fuel; CPMM rates are corridor "
     "averages dominated by plains."),
    ("A11", "KKH Thakot-Raikot carries a 12 h disruption allowance (landslides, one-lane "
            "sections, convoy waits) in fixed_time_h.",
     "Segment R_THK_RKT; projects P01, P01B",
     "Facts 2a: poor/fair 2-lane road with landslides, to be submerged by the Dasu and Diamer-"
     "Bhasha dams [S14][S15]; Karachi-Kashgar takes 8 days by NLC truck [S46] against ~3 days "
     "of driving. Removing it is the 'all-weather' effect of KKH Phase II."),
    ("A12", "Khunjerab road crossing: PK side 2.3 h [S1] + Chinese side (Tashkurgan) 12 h + "
            "weather/protocol-closure allowance 6 h; fees 100 USD per truck on each side; "
            "transloading at Sost 12 h and 200 USD per truck.",
     "Segment B_KJB",
     "Chinese trucks stop at the Sost dry port, where cargo is transloaded (12 h and 200 USD "
     "per truck, assumption). CPMM gives only the Pakistani inbound time; Chinese clearance "
     "is at Tashkurgan, 130 km inside China. The pass is declared year-round since Dec 2024 [S46] but the 1985 protocol "
     "closure may still apply on some days [S45]."),
    ("A13", "Torugart and Irkeshtam road crossings: KG side from CPMM + Chinese side 6 h and "
            "100 USD + weekday-only opening (expected wait 7 h = 2/7 x 24 h) + trailer swap in "
            "the neutral zone 3 h and 200 USD per truck.",
     "Segments B_TRU, B_IRK; projects P23A, P23B",
     "Facts 3: weekdays only, shut on Chinese holidays, PRC trailer swap [S80][S81]. The 50.1 h "
     "of 2022 is Covid-era one-way operation and not used; the 2023 KG average is 1.3 h [S3]."),
    ("A14", "Khorgos road: Chinese side fees 100 USD and transloading 200 USD per truck on top of "
            "the CPMM time and Kazakh fees.",
     "Segment B_HGS_KHR; project P26",
     "Chinese trucks may not enter Central Asia, so cargo is transloaded [S88]."),
    ("A15", "Border sides with no CPMM figure: Turkmen side 10 h and 150 USD per truck or wagon; "
            "Iranian side 8 h and 100 USD; Pakistani side at Taftan 24 h and 100 USD, plus "
            "transloading to Iranian trucks 6 h and 200 USD; Kazakh rail "
            "side at Saryagash as the Uzbek rail average (6.8 h, 133 USD).",
     "Segments B_TRG_SRH, B_SRH_TRG_RL, B_ALT_CRZ, B_KDV_CRZ_RL, B_SRX, B_IQL, B_TFT, "
     "B_SAG_TAS_RL",
     "Order of magnitude between the best CAREC BCPs (~2-4 h) and the Afghan average (19.5 h)."),
    ("A16", "Road<->rail transfer at a terminal (or transloading between truck and wagon): 12 h "
            "and 5 USD/t per transfer.",
     "Every transfer segment except gauge changes",
     "Lift-on/lift-off ~60-100 USD per 20-t container plus the wait for the next daily train "
     "(GK). Hairatan and Torghundi transloading is partly by hand [S44]: same value, rough."),
    ("A17", "Gauge change (1435/1520/1676): 12 h and 200 USD per 20-t load (10 USD/t); Sarakhs "
            "(1520/1435 bogie exchange or transfer) 24 h and 300 USD per 20-t load.",
     "Segments T_MKM, B_SRX_RL and the gauge part of B_KRL_RL, B_KJB_RL, B_SPB_CMN_RL",
     "Khorgos Gateway handles a whole train in ~1 h [S84][S85][S101][S108] but trains queue; "
     "the CPMM Kazakh rail BCP average of 67 h [S4] is dominated by queues at the China border. 12 h is "
     "a new, uncongested terminal."),
    ("A18", "New rail border crossings (CKU at Torugart, Kharlachi, Chaman-Spin Boldak, "
            "Khunjerab): 12 h and 200 USD per 20-t load for customs, plus the gauge change "
            "where there is one (A17); the CKU Kyrgyz-Uzbek crossing: 6.8 h and 133 USD each side.",
     "Planned border segments",
     "A purpose-built rail BCP with through trains; the Uzbek rail BCP average is 6.8 h [S5]."),
    ("A19", "Sea legs to the world gateway (Jebel Ali): 0.005 USD/t-km, 28 km/h (15 knots), "
            "port handling 20 USD/t and 72 h port dwell; Bandar Abbas +25 USD/t and +48 h "
            "(sanctions: few main-line carriers, feeder only, insurance, payments); Gwadar "
            "+24 h (few liner calls). Distances: Karachi 1,200 km, Gwadar 720 km, Bandar Abbas 300 km (GK).",
     "Segments S_KHI_DXB, S_GWD_DXB, S_BND_DXB",
     "Short-sea feeder rates ~300-500 USD per TEU regardless of distance (GK) are mostly port "
     "costs, so most of the cost is fixed. The sea leg beyond Jebel Ali is common to every route "
     "and left out."),
    ("A20", "Torkham and Chaman-Spin Boldak are modelled as two border segments in series (PK "
            "side, AF side) through a zero-point node (TKM_ZP, CMN_ZP).",
     "Nodes TKM_ZP, CMN_ZP; segments B_TKM_PK, B_TKM_AF, B_CMN_PK, B_CMN_AF; projects P09, "
     "P24, P25",
     "CPMM measures each side separately [S1][S6], and the committed ITTMS terminals (P09) "
     "change only the Pakistani side; with one segment, a committed project would block every "
     "other project at the same crossing (spec: one project per segment)."),
    ("A21", "Where a city lies next to a border (Tashkent, Osh, Bishkek, Turkmenabat, Termez, "
            "Dushanbe via Tursunzade) the border segment joins the border post on one side "
            "directly to that city; the few km on the far side are counted in the approach "
            "segment on the near side. Short border bridges (Hairatan-Termez 15 km, Chaman-Spin "
            "Boldak 5 km, Serhetabat-Torghundi 10 km) are folded into the crossing.",
     "Border segments and their approach segments",
     "Keeps the node count down (spec brief: ~80-110 nodes); the error is a few km."),
    ("A22", "Segment lengths not in the facts or split at intermediate nodes (GK, L): N-25 "
            "Karachi-Quetta 680 + Quetta-Chaman 110 (=790 [S67]); Kabul-Pul-e-Khumri 210 + "
            "Pul-e-Khumri-Mazar 210 (=420); Pul-e-Khumri-Kunduz-Sher Khan Bandar 175; Panji "
            "Poyon-Dushanbe 190; Samarkand-Bukhara 260 + Bukhara-Alat(-Farap-Turkmenabat) 100 "
            "(=360); Turkmenabat-Mary 240 + Mary-Serhetabat 300 (=540); Ashgabat-Sarakhs 320 + "
            "Sarakhs-Mashhad 180 (=500); Zahedan-Birjand-Mashhad 950; rail Rohri-Quetta 390 + "
            "Quetta-Chaman 130 (=520); Turkmenabat-Mary 235 + Mary-Tejen-Sarakhs 300 (+ Sarakhs-"
            "Mashhad 185 = 720); Almaty-Saryagash 990 (of ~1,000 to Tashkent).",
     "Road and rail segments marked A22 on the Sources sheet",
     "Through segments of facts 2a/2b are split where the network branches; times are split "
     "in proportion to length."),
    ("A23", "Rail speeds and costs without a CPMM figure: Rohri-Quetta-Chaman 15 km/h and "
            "0.045 USD/t-km (mountain grades, Bolan and Khojak); Hairatan-Mazar 20 km/h before "
            "rehabilitation; new Afghan lines 40 km/h; CKU 50 km/h (120 km/h design); Khunjerab "
            "railway 50 km/h (160 km/h design); Afghan lines operated at the Uzbek rail rate "
            "0.064 USD/t-km [S5].",
     "Rail segments L_ROH_QTA, L_QTA_CMN, L_HRT_MZR and all planned rail",
     "Average freight speeds are typically 30-45% of design speed (GK); Hairatan-Mazar is run "
     "by Uzbek Railways [S42][S43]."),
    ("A24", "ML-1 upgrade effect per phase: freight average speed 25 -> 50 km/h, running cost "
            "-15% (0.040 -> 0.034 USD/t-km). Phases as separate projects chained by 'requires' "
            "(each phase requires the previous one).",
     "Projects P04A-P04E and their effects",
     "Freight design speed rises to 120 km/h with doubling [S19][S20]; double track and longer "
     "trains cut cost. The chain follows the official phasing (phase 1 Karachi-Rohri first, "
     "'planned from 2026') and the financing plan; each section is useful on its own, so this "
     "is a policy rule rather than an engineering one."),
    ("A25", "N-25 dualisation effect: truck speed 43.9 -> 60 km/h (A02 cap on the 6-8 h of "
            "[S67]) and running cost -10% (0.055 -> 0.0495).",
     "Project P08",
     "Dual carriageway: fewer overtaking delays and lower vehicle operating cost (HDM-4 style "
     "roughness effect, GK)."),
    ("A26", "Peshawar-Torkham expressway and Peshawar-Kabul motorway effects: speed -> 60 km/h; "
            "running cost -10% (PK 0.0495; AF 0.100 -> 0.090).",
     "Projects P10, P11",
     "4-lane access-controlled road replacing a steep 2-lane pass road [S63][S65]."),
    ("A27", "KKH Phase II effect on Thakot-Raikot: length 241 km [S14], truck speed 27.8 -> 50 "
            "km/h, disruption allowance 12 h -> 0 (all-weather), mountain premium halved "
            "(0.0825 -> 0.0715 USD/t-km).",
     "Project P01",
     "New realignment with 17 tunnels and 213 bridges [S14] above the dam lakes."),
    ("A28", "Alternative to P01: rehabilitate Thakot-Raikot on its present alignment: capex 250 "
            "km x 1.5 USD m/km (KKH Phase I mountain benchmark, P03 [S17], 2008-13 prices) x 1.4 "
            "(construction-cost escalation to 2025, ~2.3%/yr, GK) = 525; speed -> 35 km/h, "
            "disruption allowance 12 -> 6 h.",
     "Project P01B",
     "Gives a below-budget KKH option. It is a stop-gap: the alignment will be flooded by the "
     "Dasu and Diamer-Bhasha dams [S14]."),
    ("A29", "Committed ITTMS terminals (P09) halve queueing on the Pakistani side: Torkham "
            "24.2 -> 12.1 h, Chaman 54.0 -> 24 h; fees unchanged.",
     "Project P09",
     "Capacity x5 (2,400 trucks/day, parking for 400) [S68]; Torkham already went from 500 to "
     "1,200 trucks/day [S70]; the CPMM times are mostly queues."),
    ("A30", "Border facilitation projects cost 80 USD m each (ITTMS: 250 USD m for 3 BCPs [S69] "
            "= 83 per BCP). Effects: Afghan side of Torkham 24.2 -> 8 h and 240 -> 150 USD per "
            "truck (P24); Afghan side of Spin Boldak 20.2 -> 8 h and 240 -> 150 USD (P25); "
            "Hairatan Afghan side 19.5 -> 8 h and 240 -> 150 USD (P27); Khorgos road 51.4 -> "
            "12 h (P26).",
     "Projects P24, P25, P26, P27",
     "Modern terminal, single window, scanners and 24/7 joint operation; 8 h is still far "
     "above the best CAREC crossings (~2 h). Who would execute the Afghan-side works is a "
     "political question the model does not answer."),
    ("A31", "Kandahar-Spin Boldak railway (+ Chaman link): 96 km x 3.0 USD m/km = 288, rounded "
            "to 290 USD m.",
     "Project P15",
     "Facts table 4 benchmark for this project: 2-4 USD m/km (n/a in the sources); mid-point "
     "on flat desert ground."),
    ("A32", "Hairatan-Mazar rehabilitation: 75 km x 1.0 USD m/km = 75 USD m; speed 20 -> 40 km/h.",
     "Project P17",
     "Light rail rehabilitation benchmark 0.8-1.1 USD m/km (P06, facts table 4); the line was "
     "built for 129 USD m in 2010 [S42]."),
    ("A33", "Torugart/Irkeshtam BCP modernisation: 24/7 operation removes the weekday-only wait "
            "(7 h), scanners halve the Chinese side (6 -> 3 h) and the trailer swap (3 -> 2 h); "
            "capex 80 USD m each (A30 benchmark).",
     "Projects P23A, P23B",
     "Target 1,000 vehicles/day, 125 vehicles/h scanners, 24/7 proposed [S80]."),
    ("A34", "Andijan-Osh-Irkeshtam road (40 USD m [S79]): speeds 50 -> 60 (Andijan-Dostuk) and "
            "48 -> 60 km/h (Osh-Irkeshtam); Kyrgyz running cost on Osh-Irkeshtam -10% (0.189 "
            "-> 0.170).",
     "Project P21",
     "The 2017 Uzbek proposal; 40 USD m buys resurfacing and widening, not a new road."),
    ("A35", "Quetta-Taftan rail: today 6.7 km/h (Quetta-Zahedan, 728 km, takes 4-5 days [S24]); "
            "after rehabilitation 40 km/h (120 km/h design) and 0.036 USD/t-km.",
     "Segment L_QTA_TFT; project P06",
     "Average freight speed ~1/3 of design speed (A23)."),
    ("A36", "Rohri-Chaman upgrade: 15 -> 35 km/h and 0.045 -> 0.040 USD/t-km.",
     "Project P07",
     "Upgrade of track and signalling on the Bolan/Khojak line (GK)."),
    ("A37", "Trans-Afghan railway modelled on the Kharlachi route of 764 km (ARA [S29]) from "
            "Termez: existing Termez-Mazar 96 km, new Mazar-Logar 338 km, Logar-Kharlachi 100 km, "
            "Kharlachi-Peshawar (via Thal-Kohat) 230 km; gauge change 1520/1676 at Kharlachi; "
            "capex 6,000 USD m (ARA estimate for this route; range 4,800-8,000).",
     "Project P13 and its segments",
     "The split of the 764 km is approximate (GK); the ARA cost matches the ARA length."),
    ("A38", "Herat-Kandahar railway 737 km [S39] (the Kazakh offer's 687 km [S35] for the whole "
            "Afghan segment conflicts with it: the longer, Afghan design figure is used). The Kazakh "
            "offer (P16) is modelled as 1520 mm throughout with the gauge change at Chaman.",
     "Project P16 and segment L_HEA_KDH",
     "Facts 2c M06/M07; conservative length."),
    ("A39", "Khunjerab railway: 682 km in Pakistan (capex 10,500 USD m, 2008 estimate, not "
            "escalated) and ~350 km in China assumed financed by China (not in the capex).",
     "Project P05",
     "Facts 2c M03 / table 4 P05."),
    ("A40", "Pakistani exports to Central Asia converted to tonnes with a blended value: food "
            "(rice, citrus, potatoes, mangoes) 600 USD/t and manufactures (pharmaceuticals, "
            "textiles, surgical and leather goods) 4,000 USD/t; food share of export value KZ 45%, "
            "UZ 40%, TJ 50%, KG 40%, TM 40%.",
     "Demand: value_usd_per_t and base_volume_kt of flows from Pakistan to Central Asia",
     "SBP gives values only [S49]. Blended value = 1 / (f/600 + (1-f)/4000)."),
    ("A41", "Central Asian exports to Pakistan converted with a blended value: bulk (wheat, "
            "pulses, fertiliser, ores) 500 USD/t and fibres and metals (cotton lint and yarn, "
            "ferro-alloys, zinc, aluminium) 1,800 USD/t; bulk share of import value KZ 50%, UZ "
            "30%, TJ 20%, TM 40%, KG 50%.",
     "Demand: value_usd_per_t and base_volume_kt of flows from Central Asia to Pakistan",
     "SBP gives values only [S49]. Blended value = 1 / (b/500 + (1-b)/1800)."),
    ("A42", "Pakistani ends of bilateral trade: KZ and UZ trade 35% Karachi, 30% Lahore, 15% "
            "Islamabad/Rawalpindi, 20% Peshawar; TJ 40% Karachi, 35% Lahore, 25% Peshawar; KG "
            "60% Lahore, 40% Islamabad; TM 100% Karachi.",
     "Demand: split of bilateral flows over Pakistani nodes",
     "Karachi (port-based exporters, pharma, rice), Lahore (Punjab textiles, rice, citrus), "
     "Peshawar (traditional Afghan/CA traders, fruit), Islamabad (small); GK."),
    ("A43", "Central Asian ends: Kazakhstan 70% Almaty, 30% Astana; Uzbekistan 75% Tashkent, 25% "
            "Andijan (Ferghana valley); Tajikistan Dushanbe; Kyrgyz Republic Bishkek; "
            "Turkmenistan Ashgabat.",
     "Demand: split of bilateral flows over Central Asian nodes",
     "Almaty is the commercial hub of the south, Astana the north; the Ferghana valley is "
     "Uzbekistan's industrial region (GK)."),
    ("A44", "Xinjiang-Pakistan trade over Khunjerab: 120 kt/yr in 2025, 85% China -> Pakistan "
            "(102 kt, 7,666 USD/t = 95.3 USD m / 12,432 t [S46]) and 15% Pakistan -> China "
            "(18 kt: minerals, marble, dried fruit, hides, 800 USD/t).",
     "Demand: flows between KHG/URC and Pakistani nodes",
     "Sost handled 12,000 t in Dec 2025 alone [S48]; 12,432 t in early 2025 [S46]; ~10 kt a "
     "month is ~120 kt a year. Imports from China far exceed exports (GK)."),
    ("A45", "Xinjiang ends: China -> Pakistan 40% Kashgar, 60% Urumqi (rest of Xinjiang and "
            "China by rail); to Pakistan 35% Islamabad, 35% Lahore, 30% Karachi. Pakistan -> "
            "China from Karachi 40%, Lahore 35%, Islamabad 25%; to Kashgar 60%, Urumqi 40%.",
     "Demand: split of Xinjiang flows",
     "GK; Rawalpindi/Islamabad and Lahore markets are the KKH's main customers."),
    ("A46", "Uzbekistan (Tashkent) <-> world sea gateway: 400 kt/yr out (cotton yarn, fertiliser, "
            "metals) and 300 kt/yr in (machinery, consumer goods), today via Iran (Bandar Abbas).",
     "Demand: TAS<->DXB",
     "No published tonnage. Order of magnitude: Uzbekistan's overseas (non-CIS, non-China) "
     "trade of a few USD bn a year at ~1,000-2,500 USD/t, of which a minority moves through the "
     "Persian Gulf; a Tashkent-Bandar Abbas container train started in 2023 [S94]. L."),
    ("A47", "Kazakhstan (Almaty) <-> world sea gateway via the south: 300 kt/yr out, 200 kt/yr in.",
     "Demand: ALA<->DXB",
     "No published tonnage; most Kazakh seaborne trade uses Russian/Black Sea, Caspian and "
     "Chinese ports, only the south uses Turkmenistan-Iran (Bereket-Etrek) [facts L27]. L."),
    ("A48", "Tajikistan (Dushanbe) <-> world sea gateway: 120 kt/yr out (aluminium, cotton), "
            "80 kt/yr in.",
     "Demand: DYU<->DXB",
     "No published tonnage; Tajik aluminium (TALCO) and cotton are the main overseas exports "
     "(GK). L."),
    ("A49", "Kyrgyz Republic (Bishkek) <-> world sea gateway: 60 kt/yr each way.",
     "Demand: FRU<->DXB",
     "No published tonnage; small economy, most trade with China, Russia and Kazakhstan. L."),
    ("A50", "Turkmenistan (Ashgabat) <-> world sea gateway: 250 kt/yr out, 200 kt/yr in, via "
            "Iran.",
     "Demand: ASB<->DXB",
     "No published tonnage; Turkmenistan borders Iran and uses Bandar Abbas (GK). The flow "
     "checks that the Iran route is modelled; no Pakistani project should move it. L."),
    ("A51", "Kashgar <-> world sea gateway via Karachi (NLC service Kashgar-Karachi-Dubai, 10 "
            "days [S102]): 15 kt/yr out, 10 kt/yr in; 3,000 USD/t.",
     "Demand: KHG<->DXB",
     "A small, real service; most Xinjiang seaborne cargo uses the Chinese coast (alt_cost). L."),
    ("A52", "Value of transit cargo: Central Asian exports to the sea 900 USD/t (cotton, metals, "
            "fertiliser), imports from the sea 2,500 USD/t (machinery, consumer goods).",
     "Demand: value_usd_per_t of CA<->DXB flows",
     "GK."),
    ("A53", "Elasticity 2.5 for transit flows to and from the sea (CA <-> DXB, KHG <-> DXB).",
     "Demand: elasticity of transit flows",
     "Transit cargo can switch to routes outside the model (Russia, China's coast, the Caspian), "
     "so it responds more to a cost change than bilateral trade: top of the Limao-Venables "
     "2-3 range."),
    ("A54", "Alternative cost of Xinjiang flows by sea via the Chinese coast (Lianyungang): rail "
            "Kashgar 5,300 km / Urumqi 3,700 km at 0.025 USD/t-km and 45 km/h + two transfers "
            "(A16) + sea to Karachi 11,500 km or to Jebel Ali 11,000 km at 0.003 USD/t-km and "
            "28 km/h + port handling 2 x 20 USD/t and 2 x 72 h + Karachi-Lahore/Islamabad road "
            "at Pakistani rates; time valued at 0.625 USD/t-h.",
     "Demand: alt_cost_usd_per_t of flows between Xinjiang and Pakistan or the sea",
     "The sea route is the fallback when Khunjerab is closed; deep-sea rate 0.003 USD/t-km "
     "(GK). It does not bind in the default data but does when the KKH is cut."),
    ("A55", "growth_pct = mean of the two partners' 2026 real GDP growth (facts 5b); for flows "
            "to or from the sea, mean of the country's and world growth.",
     "Demand: growth_pct",
     "Trade usually grows faster than GDP (income elasticity >1), so this is conservative."),
    ("A56", "Line-haul road, rail and sea segments carry no fixed time or fixed cost unless "
            "stated: terminal, port and border costs sit on their own segments.",
     "Segments: fixed_time_h, fixed_cost_usd_per_t = 0",
     "Avoids double counting."),
    ("A57", "Default budget 2,000 USD m.",
     "Parameters: budget_musd",
     "Between the 0.5 bn already committed by Kazakhstan (Torghundi-Herat [S38]) and the ~7 bn "
     "offered for the KZ-TM-AF-PK railway [S34]; the ambassador's offer of 'full investment' "
     "[S37] gives no figure; the facts call the 0.5-7 bn range an "
     "inference. At 2,000 several mid-size candidates compete and KKH Phase II (2,040) just "
     "does not fit."),
    ("A58", "Solver settings mip_gap 0.001, time_limit_s 300, pwl_tolerance 0.002 and objective "
            "'volume' are the spec defaults.",
     "Parameters",
     "shared/spec/model.md §3."),
    ("A60", "Salang (Kabul-Pul-e-Khumri) carries a 6 h allowance for winter closures "
            "(avalanches) and one-way traffic in the 2.7 km tunnel. Project P28 (not in the "
            "facts' project table) rehabilitates the road and tunnel: speed 46.7 -> 55 km/h, "
            "allowance 6 -> 1 h; capex 210 km x 1.5 USD m/km x 1.4 escalation + ~100 for the "
            "tunnel = ~540 USD m.",
     "Segment R_KBL_PKH; project P28",
     "Facts 2a R15: poor/fair, winter closures of the Salang tunnel (GK). The Salang is the "
     "main bottleneck of the Torkham-Kabul-Termez and Sher Khan Bandar routes; it is added so "
     "that the model can weigh it against the border and KKH projects. Cost benchmark as A28."),
    ("A59", "Coordinates of nodes not in facts table 1 (zero points, split border posts, rail "
            "terminals, new junctions) are GK or copied from the city they belong to.",
     "Nodes: lat, lon",
     "Used for maps only."),
]
ASSUMPTION_IDS = {a[0] for a in ASSUMPTIONS}

# ============================================================================
# 4. Parameters
# ============================================================================
PARAMETERS = [
    # parameter, value, unit, description, source, confidence, note
    ("budget_musd", 2000, "USD million", "Financing envelope; --budget overrides it",
     "A57", L, "default scenario"),
    ("base_year", 2025, "year", "Year of the base trade volumes (SBP FY2024-25 trade)",
     "S49", H, "FY2024-25 (Jul 2024-Jun 2025) taken as 2025"),
    ("horizon_year", 2035, "year", "Year whose trade volume is maximised", "A05", M,
     "all candidates can be in service by 2035"),
    ("value_of_time_usd_per_t_h", VOT, "USD per tonne-hour",
     "1,500 USD/t cargo x 1.0% per day / 24 h", "S58;A03", M,
     f"{CARGO_VALUE_USD_T:.0f} x {DAILY_TIME_COST:.3f} / 24 = {VOT}"),
    ("default_elasticity", 1.5, "-",
     "Elasticity of trade volume to generalized cost (literature: distance ~0.9, transport "
     "cost 2-3)", "S60;A04", M, "between 0.9 and 2-3"),
    ("mip_gap", 0.001, "fraction", "Relative optimality gap", "A58", H, "spec default"),
    ("time_limit_s", 300, "s", "Solver time limit", "A58", H, "spec default"),
    ("pwl_tolerance", 0.002, "fraction", "Max relative error of the piecewise-linear volume curve",
     "A58", H, "spec default"),
    ("objective", "volume", "-", "volume (kt/yr) or value (USD million/yr)", "A58", H,
     "spec default"),
]

PARAM = {p[0]: p[1] for p in PARAMETERS}

# ============================================================================
# 5. Nodes
# ============================================================================
# node_id, name, country, kind, lat, lon, coordinate source
NODES = [
    ("DXB", "Jebel Ali (Dubai) - world sea gateway", "AE", "port", 25.01, 55.06, "GK"),
    # --- Pakistan, road layer
    ("KHI", "Karachi (Port, incl. Port Qasim)", "PK", "port", 24.85, 67.00, "GK"),
    ("GWD", "Gwadar", "PK", "port", 25.12, 62.33, "GK"),
    ("LHE", "Lahore", "PK", "city", 31.55, 74.34, "GK"),
    ("ISB", "Islamabad/Rawalpindi", "PK", "city", 33.65, 73.05, "GK"),
    ("PEW", "Peshawar", "PK", "city", 34.01, 71.58, "GK"),
    ("HVL", "Havelian", "PK", "city", 34.05, 73.16, "GK"),
    ("THK", "Thakot", "PK", "city", 34.87, 72.92, "GK"),
    ("RKT", "Raikot Bridge", "PK", "city", 35.49, 74.60, "GK"),
    ("SST", "Sost (Silk Route Dry Port)", "PK", "hub", 36.69, 74.83, "GK"),
    ("KJB_PK", "Khunjerab Pass (PK side)", "PK", "border", 36.85, 75.43, "GK"),
    ("QTA", "Quetta", "PK", "city", 30.18, 67.00, "GK"),
    ("CMN", "Chaman (PK border post)", "PK", "border", 30.92, 66.45, "GK"),
    ("CMN_ZP", "Chaman-Spin Boldak zero point (Friendship Gate)", "PK/AF", "border",
     30.96, 66.43, "A59"),
    ("TFT", "Taftan (PK side)", "PK", "border", 28.96, 61.59, "GK"),
    ("TKM_PK", "Torkham (PK terminal)", "PK", "border", 34.12, 71.10, "S71"),
    ("TKM_ZP", "Torkham zero point", "PK/AF", "border", 34.12, 71.09, "S71"),
    # --- Pakistan, rail layer
    ("KHI_RL", "Karachi rail terminal", "PK", "terminal", 24.85, 67.00, "A59"),
    ("ROH", "Rohri junction", "PK", "hub", 27.69, 68.90, "GK"),
    ("MUX", "Multan (rail)", "PK", "terminal", 30.20, 71.47, "GK"),
    ("LHE_RL", "Lahore rail terminal", "PK", "terminal", 31.55, 74.34, "A59"),
    ("ISB_RL", "Rawalpindi rail terminal", "PK", "terminal", 33.65, 73.05, "A59"),
    ("PEW_RL", "Peshawar rail terminal", "PK", "terminal", 34.01, 71.58, "A59"),
    ("HVL_RL", "Havelian railhead (dry port)", "PK", "terminal", 34.05, 73.16, "A59"),
    ("QTA_RL", "Quetta rail terminal", "PK", "terminal", 30.18, 67.00, "A59"),
    ("CMN_RL", "Chaman railhead", "PK", "terminal", 30.92, 66.45, "A59"),
    ("TFT_RL", "Taftan rail station", "PK", "terminal", 28.96, 61.59, "A59"),
    ("KRL_PK", "Kharlachi rail border (PK side, planned)", "PK", "border", 33.90, 70.01, "GK"),
    ("KJB_PK_RL", "Khunjerab rail border (PK side, planned)", "PK", "border", 36.85, 75.43, "A59"),
    # --- Afghanistan, road layer
    ("TKM_AF", "Torkham (AF side)", "AF", "border", 34.12, 71.08, "S71"),
    ("JAA", "Jalalabad", "AF", "city", 34.43, 70.45, "GK"),
    ("KBL", "Kabul", "AF", "city", 34.53, 69.17, "GK"),
    ("PKH", "Pul-e-Khumri (Kunduz junction)", "AF", "city", 35.94, 68.71, "A59"),
    ("MZR", "Mazar-i-Sharif", "AF", "city", 36.71, 67.11, "GK"),
    ("HRT", "Hairatan", "AF", "border", 37.24, 67.42, "GK"),
    ("SKB", "Sher Khan Bandar", "AF", "border", 37.18, 68.60, "A59"),
    ("SPB", "Spin Boldak", "AF", "border", 31.00, 66.40, "GK"),
    ("KDH", "Kandahar", "AF", "city", 31.61, 65.71, "GK"),
    ("HEA", "Herat", "AF", "city", 34.35, 62.20, "GK"),
    ("TRG", "Torghundi (Towraghondi)", "AF", "border", 35.23, 62.27, "GK"),
    ("IQL_AF", "Islam Qala (AF side)", "AF", "border", 34.66, 61.07, "GK"),
    # --- Afghanistan, rail layer
    ("HRT_RL", "Hairatan rail terminal (1520)", "AF", "terminal", 37.24, 67.42, "A59"),
    ("MZR_RL", "Mazar-i-Sharif railhead (1520)", "AF", "terminal", 36.71, 67.11, "A59"),
    ("LOG", "Logar (Pul-i-Alam) rail junction (planned)", "AF", "hub", 33.99, 69.02, "GK"),
    ("KRL_AF", "Kharlachi rail border (AF side, planned)", "AF", "border", 33.90, 69.99, "GK"),
    ("HEA_RL", "Herat rail terminal (planned)", "AF", "terminal", 34.35, 62.20, "A59"),
    ("TRG_RL", "Torghundi railhead (1520)", "AF", "terminal", 35.23, 62.27, "A59"),
    ("KDH_RL", "Kandahar rail terminal (planned)", "AF", "terminal", 31.61, 65.71, "A59"),
    ("SPB_RL", "Spin Boldak rail border (planned)", "AF", "border", 31.00, 66.40, "A59"),
    # --- Tajikistan
    ("DYU", "Dushanbe", "TJ", "city", 38.56, 68.77, "GK"),
    ("PJP", "Panji Poyon (TJ side of Sher Khan Bandar)", "TJ", "border", 37.23, 68.61, "A59"),
    # --- Uzbekistan, road layer
    ("TAS", "Tashkent", "UZ", "city", 41.30, 69.24, "GK"),
    ("AZN", "Andijan", "UZ", "city", 40.78, 72.34, "GK"),
    ("SKD", "Samarkand", "UZ", "city", 39.65, 66.96, "GK"),
    ("BHK", "Bukhara", "UZ", "city", 39.77, 64.42, "GK"),
    ("TMZ", "Termez", "UZ", "border", 37.22, 67.28, "GK"),
    ("DST", "Dustlik (UZ side of Dostuk BCP)", "UZ", "border", 40.55, 72.73, "A59"),
    ("ALT", "Alat (UZ side of Farap BCP)", "UZ", "border", 39.43, 63.80, "A59"),
    ("SAR", "Sariasiya (UZ side of Tursunzade BCP)", "UZ", "border", 38.42, 67.95, "A59"),
    # --- Uzbekistan, rail layer
    ("TAS_RL", "Tashkent rail terminal", "UZ", "terminal", 41.30, 69.24, "A59"),
    ("AZN_RL", "Andijan rail terminal", "UZ", "terminal", 40.78, 72.34, "A59"),
    ("SKD_RL", "Samarkand rail junction", "UZ", "hub", 39.65, 66.96, "A59"),
    ("TMZ_RL", "Termez rail terminal", "UZ", "terminal", 37.22, 67.28, "A59"),
    ("KDV_RL", "Khodzhadavlet rail border (UZ side)", "UZ", "border", 39.26, 63.86, "A59"),
    ("KNB_RL", "CKU Kyrgyz-Uzbek rail border (UZ side, Khanabad)", "UZ", "border", 40.82, 72.93,
     "A59"),
    # --- Kyrgyz Republic
    ("FRU", "Bishkek", "KG", "city", 42.87, 74.59, "GK"),
    ("OSS", "Osh", "KG", "city", 40.53, 72.80, "GK"),
    ("TRU_KG", "Torugart Pass (KG side)", "KG", "border", 40.56, 75.38, "GK"),
    ("IRK_KG", "Irkeshtam (KG side)", "KG", "border", 39.69, 73.89, "GK"),
    ("TRU_KG_RL", "CKU Torugart rail border (KG side, planned)", "KG", "border", 40.56, 75.38,
     "A59"),
    ("MKM_1435", "Makmal gauge-change terminal, 1435 side (planned)", "KG", "hub", 41.20, 74.00,
     "GK"),
    ("MKM_1520", "Makmal gauge-change terminal, 1520 side (planned)", "KG", "hub", 41.20, 74.00,
     "GK"),
    ("JLB_RL", "Jalal-Abad rail terminal (CKU)", "KG", "terminal", 40.93, 73.00, "GK"),
    # --- China (Xinjiang)
    ("KJB_CN", "Khunjerab Pass (CN side)", "CN", "border", 36.85, 75.43, "GK"),
    ("KHG", "Kashgar (Kashi)", "CN", "hub", 39.47, 75.99, "GK"),
    ("URC", "Urumqi", "CN", "hub", 43.83, 87.62, "GK"),
    ("HGS", "Horgos (CN side)", "CN", "border", 44.21, 80.41, "GK"),
    ("TRU_CN", "Torugart Pass (CN side)", "CN", "border", 40.56, 75.40, "GK"),
    ("IRK_CN", "Irkeshtam (CN side)", "CN", "border", 39.69, 73.91, "GK"),
    ("KHG_RL", "Kashgar rail terminal", "CN", "terminal", 39.47, 75.99, "A59"),
    ("URC_RL", "Urumqi rail terminal", "CN", "terminal", 43.83, 87.62, "A59"),
    ("HGS_RL", "Horgos rail border (CN side)", "CN", "border", 44.21, 80.41, "A59"),
    ("TRU_CN_RL", "CKU Torugart rail border (CN side, planned)", "CN", "border", 40.56, 75.40,
     "A59"),
    ("KJB_CN_RL", "Khunjerab rail border (CN side, planned)", "CN", "border", 36.85, 75.43, "A59"),
    # --- Kazakhstan
    ("KHR", "Nur Zholy (KZ side of Khorgos)", "KZ", "border", 44.19, 80.28, "GK"),
    ("ALA", "Almaty", "KZ", "city", 43.24, 76.89, "GK"),
    ("NQZ", "Astana", "KZ", "city", 51.17, 71.45, "GK"),
    ("ZHZ", "Zhibek Zholy (KZ side of Tashkent BCP)", "KZ", "border", 41.42, 69.33, "A59"),
    ("KRD", "Korday (KZ side of Bishkek BCP)", "KZ", "border", 43.04, 74.72, "A59"),
    ("KHR_RL", "Altynkol rail border (gauge break)", "KZ", "border", 44.19, 80.28, "GK"),
    ("ALA_RL", "Almaty rail terminal", "KZ", "terminal", 43.24, 76.89, "A59"),
    ("NQZ_RL", "Astana rail terminal", "KZ", "terminal", 51.17, 71.45, "A59"),
    ("SAG_RL", "Saryagash rail border (KZ side)", "KZ", "border", 41.46, 69.17, "A59"),
    # --- Turkmenistan
    ("CRZ", "Turkmenabat", "TM", "city", 39.07, 63.58, "GK"),
    ("MYP", "Mary", "TM", "hub", 37.60, 61.83, "GK"),
    ("SRH", "Serhetabat (Kushka)", "TM", "border", 35.28, 62.34, "GK"),
    ("ASB", "Ashgabat", "TM", "city", 37.95, 58.38, "GK"),
    ("SRX_TM", "Sarakhs (TM side)", "TM", "border", 36.54, 61.17, "GK"),
    ("CRZ_RL", "Turkmenabat rail terminal", "TM", "terminal", 39.07, 63.58, "A59"),
    ("MYP_RL", "Mary rail junction", "TM", "hub", 37.60, 61.83, "A59"),
    ("SRH_RL", "Serhetabat railhead (1520)", "TM", "terminal", 35.28, 62.34, "A59"),
    ("SRX_TM_RL", "Sarakhs rail border (TM side, 1520)", "TM", "border", 36.54, 61.17, "A59"),
    # --- Iran
    ("SRX_IR", "Sarakhs (IR side)", "IR", "border", 36.54, 61.15, "GK"),
    ("MHD", "Mashhad", "IR", "hub", 36.30, 59.60, "GK"),
    ("BND", "Bandar Abbas", "IR", "port", 27.18, 56.27, "GK"),
    ("IQL_IR", "Dogharoun (IR side of Islam Qala)", "IR", "border", 34.66, 61.05, "A59"),
    ("ZAH", "Zahedan", "IR", "hub", 29.50, 60.86, "GK"),
    ("TFT_IR", "Mirjaveh (IR side of Taftan)", "IR", "border", 29.02, 61.45, "A59"),
    ("SRX_IR_RL", "Sarakhs rail border (IR side, 1435)", "IR", "border", 36.54, 61.15, "A59"),
    ("BND_RL", "Bandar Abbas rail terminal", "IR", "terminal", 27.18, 56.27, "A59"),
]
COUNTRY = {n[0]: n[2] for n in NODES}

# ============================================================================
# 6. Running cost and speed by country and mode (facts 5c, CPMM)
# ============================================================================
# (country, mode): (USD/t-km, source, conf, SWOD km/h, source, conf)
RATES = {
    ("PK", "road"): (0.055, "S1", H, 25.2, "S1", H),
    ("AF", "road"): (0.100, "S6", H, 33.7, "S6", H),
    ("KZ", "road"): (0.149, "S4", H, 51.1, "S4", H),
    ("KG", "road"): (0.189, "S2", H, 51.8, "S2", H),
    ("UZ", "road"): (0.069, "S5", H, 45.6, "S5", H),
    ("TJ", "road"): (0.066, "S7", H, 37.8, "S7", H),
    ("TM", "road"): (0.092, "S10;A08", M, 42.9, "S10;A08", M),
    ("CN", "road"): (0.050, "A06", L, 50.0, "A06", L),
    ("IR", "road"): (0.040, "A07", L, 50.0, "A07", L),
    ("PK", "rail"): (0.040, "A09", L, 25.0, "A09", L),
    ("AF", "rail"): (0.064, "S5;A23", L, 40.0, "A23", L),
    ("UZ", "rail"): (0.064, "S5", H, 13.1, "S5", H),
    ("KZ", "rail"): (0.088, "S4", H, 57.9, "S4", H),
    ("KG", "rail"): (0.056, "S2", H, 50.0, "A23", L),   # only the new CKU line is modelled
    ("TM", "rail"): (0.080, "S9;A08", M, 53.9, "S9;A08", M),
    ("CN", "rail"): (0.025, "A06", L, 45.0, "A06", L),
    ("IR", "rail"): (0.035, "A07", L, 40.0, "A07", L),
}

# ============================================================================
# 7. Segments
# ============================================================================
SEGMENTS: list[dict] = []
SOURCES: list[tuple] = []   # (sheet, record_id, field, value, source code, confidence, note)


def _src(sheet, rid, field, value, code, conf, note=""):
    SOURCES.append((sheet, rid, field, value, code, conf, note))


def _add_segment(sid, a, b, mode, length, speed, cost, ft, fc, status, corridor, srcs):
    """srcs: field -> (code, conf, note)."""
    seg = dict(segment_id=sid, from_node=a, to_node=b, mode=mode, length_km=length,
               speed_kmh=speed, cost_usd_per_tkm=cost, fixed_time_h=ft,
               fixed_cost_usd_per_t=fc, status=status, corridor=corridor)
    SEGMENTS.append(seg)
    for field in ("length_km", "speed_kmh", "cost_usd_per_tkm", "fixed_time_h",
                  "fixed_cost_usd_per_t"):
        if seg[field] is None:
            continue
        code, conf, note = srcs[field]
        _src("Segments", sid, field, seg[field], code, conf, note)


def road(sid, a, b, km, hours, corridor, code, conf, note, *, mountain=False, ctry=None,
         extra_time=None):
    """A road segment. hours: travel time from facts 2a (None: CPMM SWOD).
    extra_time: (hours, code, conf, note) put in fixed_time_h."""
    ctry = ctry or COUNTRY[a]
    cost, c_src, c_conf, swod, s_src, s_conf = RATES[(ctry, "road")]
    if hours:
        raw = km / hours
        speed = round(min(raw, TRUCK_SPEED_CAP), 1)
        s_code, s_cf = f"{code};A02", conf
        s_note = f"{note}: {km} km in {hours:g} h = {raw:.1f} km/h" + (
            f", capped at {TRUCK_SPEED_CAP:g}" if raw > TRUCK_SPEED_CAP else "")
    else:
        speed, s_code, s_cf = swod, f"{s_src};A02", s_conf
        s_note = f"no segment time: CPMM SWOD {ctry} road {swod} km/h"
    c_note = f"CPMM {ctry} road {cost} USD/t-km"
    if mountain:
        cost = round(cost * MOUNTAIN_PREMIUM, 4)
        c_src, c_note = f"{c_src};A10", c_note + f" x {MOUNTAIN_PREMIUM} mountain premium"
    ft, ft_src = 0.0, ("A56", H, "line-haul segment")
    if extra_time:
        ft, ft_code, ft_conf, ft_note = extra_time
        ft_src = (ft_code, ft_conf, ft_note)
    _add_segment(sid, a, b, "road", km, speed, cost, ft, 0.0, "open", corridor, {
        "length_km": (code, conf, note), "speed_kmh": (s_code, s_cf, s_note),
        "cost_usd_per_tkm": (c_src, c_conf, c_note), "fixed_time_h": ft_src,
        "fixed_cost_usd_per_t": ("A56", H, "line-haul segment")})


def rail(sid, a, b, km, corridor, code, conf, note, *, ctry=None, status="open",
         speed=None, cost=None):
    """A rail segment at the country's CPMM rate unless speed/cost = (value, code, conf, note)."""
    ctry = ctry or COUNTRY[a]
    r_cost, c_src, c_conf, r_speed, s_src, s_conf = RATES[(ctry, "rail")]
    sp = speed or (r_speed, s_src, s_conf, f"{ctry} rail speed {r_speed} km/h")
    co = cost or (r_cost, c_src, c_conf, f"{ctry} rail {r_cost} USD/t-km")
    _add_segment(sid, a, b, "rail", km, sp[0], co[0], 0.0, 0.0, status, corridor, {
        "length_km": (code, conf, note), "speed_kmh": sp[1:], "cost_usd_per_tkm": co[1:],
        "fixed_time_h": ("A56", H, "line-haul segment"),
        "fixed_cost_usd_per_t": ("A56", H, "line-haul segment")})


def crossing(sid, a, b, corridor, parts, *, mode="border", status="open", note=""):
    """A border, gauge-change or transfer segment of length 0.
    parts: list of (label, hours, usd per 20-t load, code, conf); time and cost are summed and
    the cost divided by the 20-t load (A01)."""
    hours = round(sum(p[1] for p in parts), 2)
    usd = sum(p[2] for p in parts)
    fc = round(usd / TRUCK_LOAD_T, 2)
    codes = ";".join(dict.fromkeys(c for p in parts for c in p[3].split(";")))
    conf = min((p[4] for p in parts), key=CONF_RANK.get)
    t_note = " + ".join(f"{p[0]} {p[1]:g} h" for p in parts if p[1]) + f" = {hours:g} h"
    c_note = " + ".join(f"{p[0]} {p[2]:g} USD" for p in parts if p[2]) + (
        f" = {usd:g} USD per 20-t load / {TRUCK_LOAD_T:g} t = {fc:g} USD/t")
    if note:
        t_note, c_note = f"{t_note}. {note}", f"{c_note}. {note}"
    _add_segment(sid, a, b, mode, 0.0, None, 0.0, hours, fc, status, corridor, {
        "length_km": ("A21", H, "crossing point: no length"),
        "cost_usd_per_tkm": ("A56", H, "no running cost on a length-0 segment"),
        "fixed_time_h": (codes, conf, t_note),
        "fixed_cost_usd_per_t": (f"{codes};A01", conf, c_note)})


def transfer(sid, a, b, corridor, *, status="open", note="road-rail transfer"):
    crossing(sid, a, b, corridor, [(note, TRANSFER_H, TRANSFER_USD_T * TRUCK_LOAD_T, "A16", L)],
             mode="transfer", status=status)


def sea(sid, a, km, extra_h, extra_usd, note):
    base_h, base_usd, usd_tkm, kn = 72.0, 20.0, 0.005, 28.0
    _add_segment(sid, a, "DXB", "sea", km, kn, usd_tkm, base_h + extra_h, base_usd + extra_usd,
                 "open", "Sea", {
                     "length_km": ("A19", L, f"sea distance {a}-Jebel Ali (GK)"),
                     "speed_kmh": ("A19", L, "15 knots"),
                     "cost_usd_per_tkm": ("A19", L, "short-sea feeder running cost"),
                     "fixed_time_h": ("A19", L, f"port dwell 72 h + {extra_h:g} h {note}"),
                     "fixed_cost_usd_per_t": ("A19", L,
                                              f"port handling 20 USD/t + {extra_usd:g} {note}")})


# Corridor labels
KKH, TORKHAM, CHAMAN = "KKH (Khunjerab)", "Afghan East (Torkham)", "Afghan South (Chaman)"
TORGHUNDI, ISLAMQALA, TAJIK = "Afghan West (Torghundi)", "Afghan West (Islam Qala)", \
    "Afghan-Tajik (Shirkhan Bandar)"
IRAN_TFT, IRAN_BND = "Iran (Taftan)", "Iran (Bandar Abbas)"
TORUGART, IRKESHTAM, KHORGOS = "Kyrgyz (Torugart)", "Kyrgyz (Irkeshtam)", "China-KZ (Khorgos)"
PKDOM, CADOM, XJ = "Pakistan domestic", "Central Asia domestic", "Xinjiang (Kashgar-Urumqi)"
ML1, PKRAIL, CKU, TAR = "ML-1 rail", "Pakistan rail (Chaman/Taftan lines)", "CKU rail", \
    "Trans-Afghan rail"
AFRAIL_N, AFRAIL_W, KJBRAIL = "Afghan North rail (Hairatan)", "Afghan West rail (Kazakh offer)", \
    "Khunjerab rail"

# ---- 7a. Roads (facts table 2a) -------------------------------------------------
# Pakistan
road("R_KHI_LHE", "KHI", "LHE", 1210, 16, PKDOM, "GK", L, "R09 M-9/N-5/M-5/M-4/M-3, ~16 h")
road("R_LHE_ISB", "LHE", "ISB", 375, 4.5, PKDOM, "GK", M, "R10 M-2, 4.5 h")
road("R_ISB_PEW", "ISB", "PEW", 155, 2, PKDOM, "GK", M, "R11 M-1, 2 h")
road("R_PEW_TKM", "PEW", "TKM_PK", 50, 1.75, TORKHAM, "S63;S64", H,
     "R12 N-5 Khyber Pass, 1.5-2 h")
road("R_KHI_GWD", "KHI", "GWD", 650, 9, PKDOM, "GK", L, "R48 N-10, 9 h")
road("R_ISB_HVL", "ISB", "HVL", 60, 1, KKH, "S17", M, "R38 Hazara Motorway, 1 h")
road("R_HVL_THK", "HVL", "THK", 118, 2, KKH, "S18", H, "R37 M-15/E-35, 2 h")
road("R_THK_RKT", "THK", "RKT", 250, 9, KKH, "S14;S15", H,
     "R36 Thakot-Raikot 241-256 km, 8-10 h", mountain=True,
     extra_time=(12.0, "S14;S15;A11", L, "landslide / one-lane disruption allowance"))
road("R_RKT_SST", "RKT", "SST", 270, 6, KKH, "S14", M, "R35 Sost-Gilgit-Raikot, 6 h",
     mountain=True)
road("R_SST_KJB", "SST", "KJB_PK", 86, 2, KKH, "S47", H, "R34 Khunjerab-Sost, 2 h",
     mountain=True)
road("R_KHI_QTA", "KHI", "QTA", 680, round(18 * 680 / 790, 2), CHAMAN, "S67;S66;A22", M,
     "R02 N-25 790 km ~18 h, Karachi-Quetta part 680 km")
road("R_QTA_CMN", "QTA", "CMN", 110, round(18 * 110 / 790, 2), CHAMAN, "S67;S66;A22", M,
     "R02 N-25 790 km ~18 h, Quetta-Chaman part 110 km")
road("R_QTA_TFT", "QTA", "TFT", 610, 12, IRAN_TFT, "GK", L, "R45 N-40, 12 h")
# Afghanistan
road("R_TKM_JAA", "TKM_AF", "JAA", 76, 2.5, TORKHAM, "S65;S71", M, "R13 Torkham-Jalalabad, 2.5 h")
road("R_JAA_KBL", "JAA", "KBL", 155, 4, TORKHAM, "S65", M, "R14 Jalalabad-Kabul, 4 h")
road("R_KBL_PKH", "KBL", "PKH", 210, 4.5, TORKHAM, "GK;A22", L,
     "R15 Kabul-Mazar (Salang) 420 km 8-10 h, Kabul-Pul-e-Khumri part",
     extra_time=(6.0, "GK;A60", L, "Salang winter closures and one-way tunnel traffic"))
road("R_PKH_MZR", "PKH", "MZR", 210, 4.5, TORKHAM, "GK;A22", L,
     "R15 Kabul-Mazar 420 km 8-10 h, Pul-e-Khumri-Mazar part")
road("R_MZR_HRT", "MZR", "HRT", 75, 1.5, TORKHAM, "GK", M, "R16 Mazar-Hairatan, 1.5 h")
road("R_PKH_SKB", "PKH", "SKB", 175, None, TAJIK, "GK;A22", L,
     "Pul-e-Khumri-Kunduz-Sher Khan Bandar (not in facts)")
road("R_SPB_KDH", "SPB", "KDH", 100, 2.5, CHAMAN, "GK", L, "R04 Spin Boldak-Kandahar, 2-3 h")
road("R_KDH_HEA", "KDH", "HEA", 565, 11, CHAMAN, "S97;GK", L, "R05 Ring Road A01, 10-12 h")
road("R_HEA_TRG", "HEA", "TRG", 120, 2.5, TORGHUNDI, "S96", M, "R06 AH71, 2-3 h")
road("R_HEA_IQL", "HEA", "IQL_AF", 120, 2, ISLAMQALA, "S97;GK", L, "R07 Herat-Islam Qala, 2 h")
# Tajikistan
road("R_PJP_DYU", "PJP", "DYU", 190, None, TAJIK, "GK;A22", L,
     "Panji Poyon-Bokhtar-Dushanbe (not in facts)")
# Uzbekistan
road("R_TMZ_SKD", "TMZ", "SKD", 380, 6.5, CADOM, "GK", L, "R18 Termez-Samarkand, 6-7 h")
road("R_SKD_TAS", "SKD", "TAS", 300, 4, CADOM, "GK", M, "R19 Samarkand-Jizzakh-Tashkent, 4 h")
road("R_SKD_BHK", "SKD", "BHK", 260, round(6 * 260 / 360, 2), CADOM, "GK;A22", L,
     "R20 Samarkand-Navoi-Bukhara-Turkmenabat 360 km 6 h, Samarkand-Bukhara part")
road("R_BHK_ALT", "BHK", "ALT", 100, round(6 * 100 / 360, 2), CADOM, "GK;A21;A22", L,
     "R20 360 km 6 h, Bukhara-Alat-Farap-Turkmenabat part")
road("R_TMZ_SAR", "TMZ", "SAR", 250, 5, CADOM, "GK;A21", L,
     "R21 Termez-Dushanbe 250 km 5 h (Tursunzade-Dushanbe km counted here)")
road("R_TAS_AZN", "TAS", "AZN", 330, 5.5, CADOM, "GK", L, "R22 Kamchik pass, 5-6 h")
road("R_AZN_DST", "AZN", "DST", 50, 1, IRKESHTAM, "S78;GK;A21", M,
     "R23 Andijan-Osh 50 km, 1 h driving (+1.5 h border on B_DST_OSS)")
# Kyrgyz Republic
road("R_OSS_IRK", "OSS", "IRK_KG", 240, 5, IRKESHTAM, "S79", M, "R24 Osh-Sary-Tash-Irkeshtam, 5 h")
road("R_FRU_TRU", "FRU", "TRU_KG", 539, 9.5, TORUGART, "S75", H,
     "R27 Bishkek-Naryn-Torugart, 9-10 h")
road("R_FRU_OSS", "FRU", "OSS", 650, 11, CADOM, "S77", H, "R28 Bishkek-Osh, 11 h")
# China
road("R_IRK_KHG", "IRK_CN", "KHG", 270, 4.5, IRKESHTAM, "S78", M,
     "R25 Irkeshtam-Kashgar 240-300 km, 4-5 h")
road("R_TRU_KHG", "TRU_CN", "KHG", 165, 3, TORUGART, "GK", L, "R26 Torugart-Kashgar, 3 h")
road("R_KHG_KJB", "KHG", "KJB_CN", 420, 7.5, KKH, "GK", L, "R33 G314 Kashgar-Tashkurgan-"
     "Khunjerab, 7-8 h", mountain=True)
road("R_KHG_URC", "KHG", "URC", 1470, 19, XJ, "GK", L, "R32 Urumqi-Kashgar, 18-20 h")
road("R_URC_HGS", "URC", "HGS", 670, 8, KHORGOS, "GK", L, "R31 G30 Urumqi-Horgos, 8 h")
# Kazakhstan
road("R_KHR_ALA", "KHR", "ALA", 350, 4.5, KHORGOS, "GK", M, "R30 Western Europe-Western China "
     "highway, 4-5 h")
road("R_ALA_KRD", "ALA", "KRD", 240, 4, CADOM, "GK;A21", M, "R29 Almaty-Bishkek 240 km, 4 h")
road("R_ALA_ZHZ", "ALA", "ZHZ", 810, 11, CADOM, "GK;A21", M, "R39 Almaty-Shymkent-Tashkent, 11 h")
road("R_ALA_NQZ", "ALA", "NQZ", 1200, 15, CADOM, "GK", M, "R40 Almaty-Astana, 15 h")
# Turkmenistan
road("R_CRZ_MYP", "CRZ", "MYP", 240, 4, CADOM, "GK;A22", L,
     "R41 Turkmenabat-Mary-Serhetabat 540 km 9 h, Turkmenabat-Mary part")
road("R_MYP_SRH", "MYP", "SRH", 300, 5, TORGHUNDI, "GK;A22", L,
     "R41 540 km 9 h, Mary-Serhetabat part")
road("R_MYP_ASB", "MYP", "ASB", 360, 5, CADOM, "GK", L, "R42 Mary-Ashgabat, 5 h")
road("R_ASB_SRX", "ASB", "SRX_TM", 320, round(8 * 320 / 500, 2), IRAN_BND, "GK;A22", L,
     "R43 Ashgabat-Sarakhs-Mashhad 500 km 8 h, Ashgabat-Sarakhs part")
# Iran
road("R_SRX_MHD", "SRX_IR", "MHD", 180, round(8 * 180 / 500, 2), IRAN_BND, "GK;A22", L,
     "R43 500 km 8 h, Sarakhs-Mashhad part")
road("R_IQL_MHD", "IQL_IR", "MHD", 250, 4, ISLAMQALA, "GK", L, "R08 Islam Qala-Mashhad, 4 h")
road("R_MHD_BND", "MHD", "BND", 1400, 20, IRAN_BND, "GK", L, "R44 Mashhad-Bandar Abbas, 20 h")
road("R_TFT_ZAH", "TFT_IR", "ZAH", 95, 2, IRAN_TFT, "GK", L, "R46 Taftan-Zahedan, 2 h")
road("R_ZAH_MHD", "ZAH", "MHD", 950, None, IRAN_TFT, "GK;A22", L,
     "Zahedan-Birjand-Mashhad (not in facts)")

# ---- 7b. Rail (facts table 2b; planned links table 2c) ---------------------------
rail("L_KHI_ROH", "KHI_RL", "ROH", 480, ML1, "S19", H, "L01 ML-1 Karachi-Rohri")
rail("L_ROH_MUX", "ROH", "MUX", 449, ML1, "S19", H, "L02 ML-1 Rohri-Multan")
rail("L_MUX_LHE", "MUX", "LHE_RL", 334, ML1, "S19", H, "L03 ML-1 Multan-Lahore")
rail("L_LHE_ISB", "LHE_RL", "ISB_RL", 289, ML1, "S19", H, "L04 ML-1 Lahore-Rawalpindi")
rail("L_ISB_PEW", "ISB_RL", "PEW_RL", 174, ML1, "S19", M, "L05 ML-1 Rawalpindi-Peshawar")
rail("L_ISB_HVL", "ISB_RL", "HVL_RL", 60, PKRAIL, "S23", M, "L09 Taxila-Havelian")
_bolan = (15.0, "A23", L, "Bolan/Khojak mountain grades")
_bolan_cost = (0.045, "A23", L, "mountain line")
rail("L_ROH_QTA", "ROH", "QTA_RL", 390, PKRAIL, "GK;S26;A22", L, "L06 Rohri-Quetta-Chaman ~520 km,"
     " Rohri-Quetta part", speed=_bolan, cost=_bolan_cost)
rail("L_QTA_CMN", "QTA_RL", "CMN_RL", 130, PKRAIL, "GK;S26;A22", L, "L06 ~520 km, Quetta-Chaman "
     "part", speed=_bolan, cost=_bolan_cost)
rail("L_QTA_TFT", "QTA_RL", "TFT_RL", 633, PKRAIL, "S24;S25", M, "L07 Quetta-Taftan",
     speed=(round(728 / (4.5 * 24), 1), "S24;A35", M,
            "Quetta-Zahedan 728 km in 4-5 days by freight train = 728/108 h"))
rail("L_HRT_MZR", "HRT_RL", "MZR_RL", 75, AFRAIL_N, "S42;S43", H, "L11 Hairatan-Mazar",
     speed=(20.0, "A23", L, "degraded line before rehabilitation"))
rail("L_TAS_SKD", "TAS_RL", "SKD_RL", 344, CADOM, "GK", M, "L14 Tashkent-Samarkand")
rail("L_SKD_TMZ", "SKD_RL", "TMZ_RL", 450, CADOM, "GK", L, "L15 Samarkand-Karshi-Termez")
rail("L_SKD_KDV", "SKD_RL", "KDV_RL", 380, CADOM, "GK;A21", L,
     "L16 Samarkand-Navoi-Bukhara-Turkmenabat ~380 km")
rail("L_TAS_AZN", "TAS_RL", "AZN_RL", 360, CADOM, "GK", L, "L17 Tashkent-Angren-Pap-Andijan")
rail("L_KHR_ALA", "KHR_RL", "ALA_RL", 343, KHORGOS, "S91", H, "L18 Almaty-Altynkol 293 + 50 km")
rail("L_ALA_SAG", "ALA_RL", "SAG_RL", 990, CADOM, "GK;A21;A22", L, "L23 Almaty-Tashkent ~1,000 km")
rail("L_ALA_NQZ", "ALA_RL", "NQZ_RL", 1300, CADOM, "GK", L, "L24 Almaty-Astana")
rail("L_URC_KHG", "URC_RL", "KHG_RL", 1590, XJ, "GK", L, "L22 Urumqi-Kashgar")
rail("L_HGS_URC", "HGS_RL", "URC_RL", 670, KHORGOS, "GK", L, "L19 Khorgos-Urumqi")
rail("L_CRZ_MYP", "CRZ_RL", "MYP_RL", 235, CADOM, "S93;A22", L,
     "L25 Turkmenabat-Mary-Tejen-Sarakhs-Mashhad ~720 km, Turkmenabat-Mary part")
rail("L_MYP_SRX", "MYP_RL", "SRX_TM_RL", 300, IRAN_BND, "S93;A22", L,
     "L25 ~720 km, Mary-Tejen-Sarakhs part")
rail("L_MYP_SRH", "MYP_RL", "SRH_RL", 315, TORGHUNDI, "GK", L, "L28 Mary-Serhetabat (Kushka)")
rail("L_SRX_BND", "SRX_IR_RL", "BND_RL", 1615, IRAN_BND, "S93;S94;A22", L,
     "L25 Sarakhs-Mashhad ~185 + L26 Mashhad-Bandar Abbas ~1,430 km")
# planned (built by projects)
_cku = (50.0, "S11;A23", L, "120 km/h design, diesel")
rail("L_KHG_TRU", "KHG_RL", "TRU_CN_RL", 213, CKU, "S11;S12", H,
     "M01 CKU, Chinese section 213 km (total 523; other sources 454/486)",
     status="planned", speed=_cku)
rail("L_TRU_MKM", "TRU_KG_RL", "MKM_1435", 131, CKU, "S11;A22", M,
     "M01 CKU 344 km at 1435 to Makmal less 213 km in China", status="planned", speed=_cku)
rail("L_MKM_JLB", "MKM_1520", "JLB_RL", 129, CKU, "S11;A22", M,
     "M01 CKU Kyrgyz section 260 km less 131 km", status="planned", speed=_cku)
rail("L_KNB_AZN", "KNB_RL", "AZN_RL", 50, CKU, "S11", H, "M01 CKU Uzbek section 50 km",
     status="planned", speed=_cku)
_new_af = (40.0, "A23", L, "new line, mountain")
rail("L_MZR_LOG", "MZR_RL", "LOG", 338, TAR, "S29;A37", L, "M02 Mazar-Naibabad-Maidanshahr-Logar",
     status="planned", speed=_new_af)
rail("L_LOG_KRL", "LOG", "KRL_AF", 100, TAR, "S29;A37", L, "M02 Logar-Kharlachi",
     status="planned", speed=_new_af)
rail("L_KRL_PEW", "KRL_PK", "PEW_RL", 230, TAR, "S29;S32;A37", L,
     "M02 Kharlachi-Thal-Kohat-Peshawar (PR network)", status="planned",
     speed=(40.0, "A23", L, "new/rebuilt broad-gauge line"))
rail("L_HVL_KJB", "HVL_RL", "KJB_PK_RL", 682, KJBRAIL, "S22;S23", M, "M03 Havelian-Khunjerab",
     status="planned", speed=(50.0, "S23;A23", L, "160 km/h design"))
rail("L_KJB_KHG", "KJB_CN_RL", "KHG_RL", 350, KJBRAIL, "S23", M, "M03 Chinese section ~350 km",
     status="planned")
rail("L_TRG_HEA", "TRG_RL", "HEA_RL", 115, AFRAIL_W, "S38", H, "M05 Torghundi-Herat ~115 km",
     status="planned", speed=(40.0, "A23", L, "new line"))
rail("L_HEA_KDH", "HEA_RL", "KDH_RL", 737, AFRAIL_W, "S39;S41;A38", L, "M06 Herat-Kandahar",
     status="planned", speed=(40.0, "A23", L, "new line"))
rail("L_KDH_SPB", "KDH_RL", "SPB_RL", 96, AFRAIL_W, "S40", H, "M04 Kandahar-Spin Boldak",
     status="planned", speed=(40.0, "A23", L, "new line"))

# ---- 7c. Border crossings (facts table 3): list of (label, hours, USD per 20-t load, src, conf)
crossing("B_TKM_PK", "TKM_PK", "TKM_ZP", TORKHAM,
         [("Torkham PK side 2022", 24.2, 267, "S1;A20", H)])
crossing("B_TKM_AF", "TKM_ZP", "TKM_AF", TORKHAM,
         [("Torkham AF side 2020", 24.2, 240, "S6;A20", H)])
crossing("B_CMN_PK", "CMN", "CMN_ZP", CHAMAN, [("Chaman PK side 2022", 54.0, 50, "S1;A20", H)])
crossing("B_CMN_AF", "CMN_ZP", "SPB", CHAMAN,
         [("Spin Boldak AF side 2020", 20.2, 240, "S6;A20", H)])
crossing("B_HRT_TMZ", "HRT", "TMZ", TORKHAM,
         [("Hairatan AF side (AF average)", 19.5, 240, "S6;A21", L),
          ("Termez UZ side (UZ average)", 4.2, 74, "S5", H)])
crossing("B_SKB_PJP", "SKB", "PJP", TAJIK,
         [("Sher Khan Bandar AF side", 17.3, 240, "S6", H),
          ("Panji Poyon TJ side (TJ average)", 13.8, 90, "S7", M)])
crossing("B_TRG_SRH", "TRG", "SRH", TORGHUNDI,
         [("Torghundi AF side (AF average)", 19.5, 240, "S6", L),
          ("Serhetabat TM side", 10, 150, "A15", L)])
crossing("B_IQL", "IQL_AF", "IQL_IR", ISLAMQALA,
         [("Islam Qala AF side (AF average)", 19.5, 240, "S6", L),
          ("Dogharoun IR side", 8, 100, "A15", L)])
crossing("B_TFT", "TFT", "TFT_IR", IRAN_TFT,
         [("Taftan PK side", 24, 100, "A15", L), ("Mirjaveh IR side", 8, 100, "A15", L),
          ("transloading to Iranian trucks", 6, 200, "A15", L)])
crossing("B_KJB", "KJB_PK", "KJB_CN", KKH,
         [("Sost/Khunjerab PK side (inbound 2020)", 2.3, 100, "S1;A12", M),
          ("Tashkurgan CN side", 12, 100, "A12", L),
          ("weather / protocol closure allowance", 6, 0, "S45;S46;A12", L),
          ("transloading at Sost dry port", 12, 200, "S48;A12", L)])
crossing("B_TRU", "TRU_KG", "TRU_CN", TORUGART,
         [("Torugart KG side (KG 2023 average)", 1.3, 116, "S3", H),
          ("CN side", 6, 100, "A13", L),
          ("weekday-only opening, expected wait", 7, 0, "S81;A13", M),
          ("trailer swap in neutral zone", 3, 200, "S80;A13", L)])
crossing("B_IRK", "IRK_KG", "IRK_CN", IRKESHTAM,
         [("Irkeshtam KG side (inbound 2020; fees KG 2023 average)", 1.8, 116, "S2;S3", M),
          ("CN side", 6, 100, "A13", L),
          ("weekday-only opening, expected wait", 7, 0, "S81;A13", M),
          ("trailer swap in neutral zone", 3, 200, "S80;A13", L)])
crossing("B_HGS_KHR", "HGS", "KHR", KHORGOS,
         [("Khorgos/Nur Zholy CN->KZ 2023 (KZ road fees)", 51.4, 317, "S8;S4", M),
          ("CN side fees", 0, 100, "A14", L),
          ("transloading (CN trucks barred)", 0, 200, "S88;A14", L)])
crossing("B_KRD_FRU", "KRD", "FRU", CADOM,
         [("Korday KZ side (KZ road average)", 4.3, 317, "S4;A21", H),
          ("Ak-Jol KG side (KG 2023 average)", 1.3, 116, "S3", H)])
crossing("B_ZHZ_TAS", "ZHZ", "TAS", CADOM,
         [("Zhibek Zholy KZ side (KZ road average)", 4.3, 317, "S4;A21", H),
          ("Gisht Kuprik UZ side (UZ average)", 4.2, 74, "S5", H)])
crossing("B_DST_OSS", "DST", "OSS", IRKESHTAM,
         [("Dostuk crossing (2017 convoy)", 1.5, 0, "S78;A21", M),
          ("UZ side fees (UZ average)", 0, 74, "S5", H),
          ("KG side fees (KG 2023 average)", 0, 116, "S3", H)])
crossing("B_ALT_CRZ", "ALT", "CRZ", CADOM,
         [("Alat UZ side (UZ average)", 4.2, 74, "S5;A21", H),
          ("Farap TM side", 10, 150, "A15", L)])
crossing("B_SAR_DYU", "SAR", "DYU", CADOM,
         [("Sariasiya UZ side (UZ average)", 4.2, 74, "S5;A21", H),
          ("Tursunzade TJ side (TJ average)", 13.8, 90, "S7", M)])
crossing("B_SRX", "SRX_TM", "SRX_IR", IRAN_BND,
         [("Sarakhs TM side", 10, 150, "A15", L), ("Sarakhs IR side", 8, 100, "A15", L)])
# rail crossings and gauge changes
crossing("B_TMZ_HRT_RL", "TMZ_RL", "HRT_RL", AFRAIL_N,
         [("Termez UZ rail BCP", 6.8, 133, "S5;A21", H),
          ("Hairatan AF side (AF average)", 19.5, 240, "S6;S44", L)])
crossing("B_SRH_TRG_RL", "SRH_RL", "TRG_RL", AFRAIL_W,
         [("Serhetabat TM rail", 10, 150, "A15;A21", L),
          ("Torghundi AF side (AF average)", 19.5, 240, "S6", L)])
crossing("B_HGS_KHR_RL", "HGS_RL", "KHR_RL", KHORGOS,
         [("Horgos CN rail exit 2022", 34.8, 215, "S9", H),
          ("Altynkol KZ rail BCP incl. 1435/1520 gauge change (KZ average)", 67.4, 297, "S4", H)])
crossing("B_SAG_TAS_RL", "SAG_RL", "TAS_RL", CADOM,
         [("Saryagash KZ rail side", 6.8, 133, "S5;A15;A21", L),
          ("Keles UZ rail BCP", 6.8, 133, "S5", H)])
crossing("B_KDV_CRZ_RL", "KDV_RL", "CRZ_RL", CADOM,
         [("Khodzhadavlet UZ rail BCP", 6.8, 133, "S5;A21", H),
          ("Farap TM rail side", 10, 150, "A15", L)])
crossing("B_SRX_RL", "SRX_TM_RL", "SRX_IR_RL", IRAN_BND,
         [("Sarakhs TM-IR rail crossing with 1520/1435 bogie exchange", 24, 300, "S93;A17", L)])
# planned rail crossings
crossing("B_TRU_RL", "TRU_CN_RL", "TRU_KG_RL", CKU,
         [("CKU Torugart rail BCP (new)", 12, 200, "A18", L)], status="planned")
crossing("T_MKM", "MKM_1435", "MKM_1520", CKU,
         [("Makmal gauge change 1435/1520", 12, 200, "S84;S85;A17", L)], mode="transfer",
         status="planned")
crossing("B_JLB_KNB_RL", "JLB_RL", "KNB_RL", CKU,
         [("Kyrgyz rail side (= UZ rail average)", 6.8, 133, "S5;A18", L),
          ("Uzbek rail BCP", 6.8, 133, "S5", H)], status="planned")
crossing("B_KRL_RL", "KRL_AF", "KRL_PK", TAR,
         [("Kharlachi rail BCP (new)", 12, 200, "A18", L),
          ("gauge change 1520/1676", 12, 200, "A17", L)], status="planned")
crossing("B_KJB_RL", "KJB_PK_RL", "KJB_CN_RL", KJBRAIL,
         [("Khunjerab rail BCP (new)", 12, 200, "A18", L),
          ("gauge change 1676/1435", 12, 200, "A17", L)], status="planned")
crossing("B_SPB_CMN_RL", "SPB_RL", "CMN_RL", AFRAIL_W,
         [("Chaman-Spin Boldak rail BCP (new)", 12, 200, "A18", L),
          ("gauge change 1520/1676", 12, 200, "A17", L)], status="planned")

# ---- 7d. Road<->rail transfers (A16) ----------------------------------------------
for city, term, corr in [("KHI", "KHI_RL", ML1), ("LHE", "LHE_RL", ML1), ("ISB", "ISB_RL", ML1),
                         ("PEW", "PEW_RL", ML1), ("HVL", "HVL_RL", PKRAIL),
                         ("QTA", "QTA_RL", PKRAIL), ("CMN", "CMN_RL", PKRAIL),
                         ("TFT", "TFT_RL", PKRAIL), ("HRT", "HRT_RL", AFRAIL_N),
                         ("MZR", "MZR_RL", AFRAIL_N), ("TRG", "TRG_RL", AFRAIL_W),
                         ("TMZ", "TMZ_RL", AFRAIL_N), ("TAS", "TAS_RL", CADOM),
                         ("AZN", "AZN_RL", CADOM), ("ALA", "ALA_RL", CADOM),
                         ("NQZ", "NQZ_RL", CADOM), ("KHG", "KHG_RL", XJ), ("URC", "URC_RL", XJ),
                         ("BND", "BND_RL", IRAN_BND)]:
    transfer(f"T_{city}", city, term, corr)
transfer("T_HEA", "HEA", "HEA_RL", AFRAIL_W, status="planned")
transfer("T_KDH", "KDH", "KDH_RL", AFRAIL_W, status="planned")

# ---- 7e. Sea (A19) ---------------------------------------------------------------------
sea("S_KHI_DXB", "KHI", 1200, 0, 0, "")
sea("S_GWD_DXB", "GWD", 720, 24, 0, "few liner calls")
sea("S_BND_DXB", "BND", 300, 48, 25, "sanctions premium")

# ============================================================================
# 8. Projects and their effects (facts table 4 and 2c)
# ============================================================================
# project_id, name, capex, decision, group, requires, country, description, capex source, conf, note
PROJECTS = [
    ("P01", "KKH Phase II Thakot-Raikot realignment", 2040, "candidate", "KKH Thakot-Raikot", "",
     "PK", "241 km new alignment (17 tunnels, 213 bridges): all-weather, faster; avoids dam "
     "flooding", "S14", H, "RMB 14.8 bn PC-I (2024) at 7.25 RMB/USD"),
    ("P01B", "KKH Thakot-Raikot rehabilitation (present alignment)", 525, "candidate",
     "KKH Thakot-Raikot", "", "PK", "Stop-gap rehabilitation; alternative to P01", "S17;A28", L,
     "250 km x 1.5 USD m/km (KKH Phase I benchmark) x 1.4 escalation to 2025"),
    ("P04A", "ML-1 phase 1 Karachi-Rohri", 2000, "candidate", "", "", "PK",
     "Doubling and upgrade, freight 120 km/h", "S19", M, "ML-1 phase split of 6,660"),
    ("P04B", "ML-1 phase 2 Rohri-Multan", 1260, "candidate", "", "P04A", "PK",
     "Doubling and upgrade", "S19", M, "ML-1 phase split of 6,660"),
    ("P04C", "ML-1 phase 3 Multan-Lahore", 880, "candidate", "", "P04B", "PK",
     "Doubling and upgrade", "S19", M, "ML-1 phase split of 6,660"),
    ("P04D", "ML-1 phase 4 Lahore-Rawalpindi", 1560, "candidate", "", "P04C", "PK",
     "Doubling and upgrade", "S19", M, "ML-1 phase split of 6,660"),
    ("P04E", "ML-1 phase 5 Rawalpindi-Peshawar (remainder)", 960, "candidate", "", "P04D", "PK",
     "Doubling and upgrade", "S19", M, "ML-1 remainder ~960"),
    ("P05", "Khunjerab railway Havelian-Khunjerab-Kashgar", 10500, "candidate", "", "", "PK/CN",
     "New 682 km line in Pakistan (+~350 km in China), gauge change at the border",
     "S22;A39", M, "2008 pre-feasibility estimate, PK section"),
    ("P06", "Quetta-Taftan rail rehabilitation", 698, "candidate", "", "", "PK",
     "Rehabilitation to 120 km/h design", "S24;S21", L, "698 (2019); PKR 112 bn ~700 (2020)"),
    ("P07", "Rohri-Chaman line upgrade", 523, "candidate", "", "", "PK",
     "Track and signalling upgrade of the Bolan/Khojak line", "S26", L,
     "source wording ambiguous"),
    ("P08", "N-25 Karachi-Quetta-Chaman dual carriageway", 1480, "candidate", "", "", "PK",
     "Dualisation of 790 km: 18 h -> 6-8 h for cars", "S66;S67;S103", M,
     "PKR 415 bn for 692 km at 280 PKR/USD"),
    ("P09", "Torkham & Chaman border terminals (ITTMS)", 250, "committed", "", "", "PK",
     "~97% done in early 2025: 2,400 trucks/day; ADB loans for 3 BCPs incl. Wagah",
     "S68;S69", H, "ADB 150 OCR + 100 ADF"),
    ("P10", "Peshawar-Torkham expressway", 483, "candidate", "Peshawar-Torkham road", "", "PK",
     "4-lane access-controlled expressway, 47-50 km", "S63;S64", M, "WB loan 460; total ~483"),
    ("P11", "Peshawar-Kabul motorway", 760, "candidate", "Peshawar-Torkham road", "", "PK/AF",
     "4-lane motorway 281 km Peshawar-Torkham-Jalalabad-Kabul", "S65", L,
     "PKR 80 bn (2016 preliminary) at 105 PKR/USD"),
    ("P12", "China-Kyrgyzstan-Uzbekistan (CKU) railway", 8000, "committed", "", "", "CN/KG/UZ",
     "Kashgar-Torugart-Makmal-Jalal-Abad-Andijan, 523 km, gauge change at Makmal; under "
     "construction since Dec 2024, operation ~2030", "S11", H, "~8,000 in total"),
    ("P13", "Trans-Afghan (UAP) railway Termez-Mazar-Logar-Kharlachi-Peshawar", 6000,
     "candidate", "", "P17", "UZ/AF/PK",
     "New 1520 mm line Mazar-Logar-Kharlachi and link to Peshawar, gauge change at Kharlachi; "
     "uses the Hairatan-Mazar line (requires P17)", "S29;S27;S28;S30;A37", M,
     "ARA estimate; range 4,800-8,000"),
    ("P14", "Torghundi-Herat railway", 500, "candidate", "", "", "AF",
     "Extends the 1520 mm line from Torghundi to Herat (Kazakh funding)", "S38", H,
     "Kazakhstan US$500m, MoU Jul 2025"),
    ("P15", "Kandahar-Spin Boldak railway (+ Chaman link)", 290, "candidate", "", "", "AF/PK",
     "96 km line joining Kandahar to Pakistan Railways at Chaman, gauge change at Chaman",
     "A31", L, "96 km x 3.0 USD m/km"),
    ("P16", "KZ-TM-AF-PK railway (Kazakh offer) Torghundi-Herat-Kandahar-Chaman", 7000,
     "candidate", "", "", "AF/PK",
     "M05 + M06 + M04: Torghundi-Herat-Kandahar-Spin Boldak-Chaman; overlaps P14 and P15 "
     "(alternatives)", "S34;S36", M, "~7,000; Kazakhstan offers to finance"),
    ("P17", "Hairatan-Mazar rail rehabilitation", 75, "candidate", "", "", "AF",
     "Restores the 9 Mt/yr design capacity of the 75 km line", "S42;A32", L,
     "75 km x 1.0 USD m/km"),
    ("P21", "Andijan-Osh-Irkeshtam road improvement", 40, "candidate", "", "", "UZ/KG",
     "Uzbek proposal (2017)", "S79", L, "~40"),
    ("P23A", "Torugart BCP modernisation", 80, "candidate", "", "", "KG",
     "24/7 operation, scanners, target 1,000 vehicles/day", "S69;A30;A33", L,
     "ITTMS benchmark 250/3"),
    ("P23B", "Irkeshtam BCP modernisation", 80, "candidate", "", "", "KG",
     "24/7 operation, scanners, target 1,000 vehicles/day", "S69;A30;A33", L,
     "ITTMS benchmark 250/3"),
    ("P24", "Torkham Afghan-side terminal and joint border management", 80, "candidate", "", "",
     "AF", "Single window, joint inspection, 24/7 on the Afghan side", "S69;A30", L,
     "ITTMS benchmark 250/3"),
    ("P25", "Spin Boldak Afghan-side terminal and joint border management", 80, "candidate", "",
     "", "AF", "Single window, joint inspection, 24/7 on the Afghan side", "S69;A30", L,
     "ITTMS benchmark 250/3"),
    ("P26", "Khorgos/Nur Zholy road BCP facilitation", 80, "candidate", "", "", "KZ",
     "More lanes, e-queue, joint control: cuts the 51 h crossing", "S69;A30", L,
     "ITTMS benchmark 250/3"),
    ("P27", "Hairatan-Termez road BCP facilitation (Afghan side)", 80, "candidate", "", "", "AF",
     "Terminal and single window on the Afghan side", "S69;A30", L, "ITTMS benchmark 250/3"),
    ("P28", "Salang pass road and tunnel rehabilitation (Kabul-Pul-e-Khumri)", 540, "candidate",
     "", "", "AF", "Mountain road upgrade of 210 km and refurbishment of the 2.7 km Salang tunnel "
     "(winter closures)", "S17;A60", L,
     "210 km x 1.5 USD m/km x 1.4 escalation = 441 + tunnel ~100, rounded"),
]

# project_id, segment_id, {field: (value, source, conf, note)} (empty: build as on Segments)
_ml1 = {"speed_kmh": (50.0, "S19;A24", L, "freight 120 km/h design -> 50 km/h average"),
        "cost_usd_per_tkm": (0.034, "A24", L, "-15%: double track, longer trains")}
EFFECTS = [
    ("P01", "R_THK_RKT", {
        "length_km": (241.0, "S14", H, "225 km main + 16 km link"),
        "speed_kmh": (50.0, "A27", L, "new alignment"),
        "cost_usd_per_tkm": (0.0715, "A27;A10", L, "mountain premium halved: 0.055 x 1.3"),
        "fixed_time_h": (0.0, "S14;A27", M, "all-weather: disruption allowance removed")}),
    ("P01B", "R_THK_RKT", {
        "speed_kmh": (35.0, "A28", L, "rehabilitated 2-lane road"),
        "fixed_time_h": (6.0, "A28", L, "disruption allowance halved")}),
    ("P04A", "L_KHI_ROH", _ml1), ("P04B", "L_ROH_MUX", _ml1), ("P04C", "L_MUX_LHE", _ml1),
    ("P04D", "L_LHE_ISB", _ml1), ("P04E", "L_ISB_PEW", _ml1),
    ("P05", "L_HVL_KJB", {}), ("P05", "B_KJB_RL", {}), ("P05", "L_KJB_KHG", {}),
    ("P06", "L_QTA_TFT", {"speed_kmh": (40.0, "S24;A35", L, "120 km/h design"),
                          "cost_usd_per_tkm": (0.036, "A35", L, "-10%")}),
    ("P07", "L_ROH_QTA", {"speed_kmh": (35.0, "A36", L, "upgraded"),
                          "cost_usd_per_tkm": (0.040, "A36", L, "PK rail rate")}),
    ("P07", "L_QTA_CMN", {"speed_kmh": (35.0, "A36", L, "upgraded"),
                          "cost_usd_per_tkm": (0.040, "A36", L, "PK rail rate")}),
    ("P08", "R_KHI_QTA", {"speed_kmh": (60.0, "S67;A25;A02", M, "6-8 h for 790 km, capped"),
                          "cost_usd_per_tkm": (0.0495, "A25", L, "-10%")}),
    ("P08", "R_QTA_CMN", {"speed_kmh": (60.0, "S67;A25;A02", M, "6-8 h for 790 km, capped"),
                          "cost_usd_per_tkm": (0.0495, "A25", L, "-10%")}),
    ("P09", "B_TKM_PK", {"fixed_time_h": (12.1, "S68;A29", L, "24.2 h halved")}),
    ("P09", "B_CMN_PK", {"fixed_time_h": (24.0, "S68;A29", L, "54.0 h -> 24 h")}),
    ("P10", "R_PEW_TKM", {"speed_kmh": (60.0, "S63;A26", L, "4-lane expressway"),
                          "cost_usd_per_tkm": (0.0495, "A26", L, "-10%")}),
    ("P11", "R_PEW_TKM", {"speed_kmh": (60.0, "S65;A26", L, "4-lane motorway"),
                          "cost_usd_per_tkm": (0.0495, "A26", L, "-10%")}),
    ("P11", "R_TKM_JAA", {"speed_kmh": (60.0, "S65;A26", L, "4-lane motorway"),
                          "cost_usd_per_tkm": (0.090, "A26", L, "-10%")}),
    ("P11", "R_JAA_KBL", {"speed_kmh": (60.0, "S65;A26", L, "4-lane motorway"),
                          "cost_usd_per_tkm": (0.090, "A26", L, "-10%")}),
    ("P12", "L_KHG_TRU", {}), ("P12", "B_TRU_RL", {}), ("P12", "L_TRU_MKM", {}),
    ("P12", "T_MKM", {}), ("P12", "L_MKM_JLB", {}), ("P12", "B_JLB_KNB_RL", {}),
    ("P12", "L_KNB_AZN", {}),
    ("P13", "L_MZR_LOG", {}), ("P13", "L_LOG_KRL", {}), ("P13", "B_KRL_RL", {}),
    ("P13", "L_KRL_PEW", {}),
    ("P14", "L_TRG_HEA", {}), ("P14", "T_HEA", {}),
    ("P15", "L_KDH_SPB", {}), ("P15", "B_SPB_CMN_RL", {}), ("P15", "T_KDH", {}),
    ("P16", "L_TRG_HEA", {}), ("P16", "T_HEA", {}), ("P16", "L_HEA_KDH", {}),
    ("P16", "T_KDH", {}), ("P16", "L_KDH_SPB", {}), ("P16", "B_SPB_CMN_RL", {}),
    ("P17", "L_HRT_MZR", {"speed_kmh": (40.0, "S43;A32", L, "rehabilitated")}),
    ("P21", "R_AZN_DST", {"speed_kmh": (60.0, "S79;A34", L, "improved road")}),
    ("P21", "R_OSS_IRK", {"speed_kmh": (60.0, "S79;A34", L, "improved road"),
                          "cost_usd_per_tkm": (0.170, "A34", L, "-10%")}),
    ("P23A", "B_TRU", {"fixed_time_h": (6.3, "S80;A33", L,
                                        "KG 1.3 + CN 3 + weekday wait 0 + swap 2 h")}),
    ("P23B", "B_IRK", {"fixed_time_h": (6.8, "S80;A33", L,
                                        "KG 1.8 + CN 3 + weekday wait 0 + swap 2 h")}),
    ("P24", "B_TKM_AF", {"fixed_time_h": (8.0, "A30", L, "24.2 -> 8 h"),
                         "fixed_cost_usd_per_t": (7.5, "A30;A01", L, "150 USD / 20 t")}),
    ("P25", "B_CMN_AF", {"fixed_time_h": (8.0, "A30", L, "20.2 -> 8 h"),
                         "fixed_cost_usd_per_t": (7.5, "A30;A01", L, "150 USD / 20 t")}),
    ("P26", "B_HGS_KHR", {"fixed_time_h": (12.0, "A30", L, "51.4 -> 12 h")}),
    ("P27", "B_HRT_TMZ", {"fixed_time_h": (12.2, "A30", L, "AF side 19.5 -> 8 h + UZ 4.2 h"),
                          "fixed_cost_usd_per_t": (11.2, "A30;A01", L,
                                                   "(150 + 74) USD / 20 t")}),
    ("P28", "R_KBL_PKH", {"speed_kmh": (55.0, "A60", L, "rehabilitated mountain road"),
                          "fixed_time_h": (1.0, "A60", L, "closures 6 -> 1 h")}),
]

# ============================================================================
# 9. Demand (facts 5a, 5b)
# ============================================================================
HORIZON = 2035
BASE = 2025
# 2026 real GDP growth, % (facts 5b): value, source, confidence
GROWTH = {
    "PK": (3.6, "GK", L), "KZ": (4.5, "S57;GK", L), "UZ": (6.0, "S56", H),
    "KG": (5.5, "S57;GK", L), "TJ": (6.0, "S57;GK", L), "TM": (2.3, "GK", L),
    "CN": (4.2, "GK", L), "World": (3.3, "S107", H),
}
# Blended value per tonne (A40, A41)
FOOD_USD_T, MANUF_USD_T = 600.0, 4000.0
BULK_USD_T, FIBRE_METAL_USD_T = 500.0, 1800.0
PK_SHARES_4 = {"KHI": 0.35, "LHE": 0.30, "ISB": 0.15, "PEW": 0.20}
# country: exports USD m, imports USD m (SBP FY2024-25 [S49]), food share of exports,
#          bulk share of imports, Pakistani ends, Central Asian ends
BILATERAL = {
    "KZ": (97.96, 129.63, 0.45, 0.50, PK_SHARES_4, {"ALA": 0.70, "NQZ": 0.30}),
    "UZ": (63.65, 79.23, 0.40, 0.30, PK_SHARES_4, {"TAS": 0.75, "AZN": 0.25}),
    "TJ": (29.79, 19.09, 0.50, 0.20, {"KHI": 0.40, "LHE": 0.35, "PEW": 0.25}, {"DYU": 1.0}),
    "KG": (3.99, 0.57, 0.40, 0.50, {"LHE": 0.60, "ISB": 0.40}, {"FRU": 1.0}),
    "TM": (1.67, 16.57, 0.40, 0.40, {"KHI": 1.0}, {"ASB": 1.0}),
}
# Central Asia <-> world sea gateway (DXB): hub, country, kt out, kt in, assumption
TRANSIT = [("TAS", "UZ", 400, 300, "A46"), ("ALA", "KZ", 300, 200, "A47"),
           ("DYU", "TJ", 120, 80, "A48"), ("FRU", "KG", 60, 60, "A49"),
           ("ASB", "TM", 250, 200, "A50")]
TRANSIT_OUT_USD_T, TRANSIT_IN_USD_T, TRANSIT_ELASTICITY = 900.0, 2500.0, 2.5
# Xinjiang <-> Pakistan over Khunjerab (A44, A45)
XJ_TOTAL_KT, XJ_CN_SHARE = 120.0, 0.85
XJ_CN_USD_T = round(95.3e6 / 12432)            # 7,666 USD/t [S46]
XJ_PK_USD_T = 800.0
XJ_CN_ORIG, XJ_PK_DEST = {"KHG": 0.40, "URC": 0.60}, {"ISB": 0.35, "LHE": 0.35, "KHI": 0.30}
XJ_PK_ORIG, XJ_CN_DEST = {"KHI": 0.40, "LHE": 0.35, "ISB": 0.25}, {"KHG": 0.60, "URC": 0.40}
XJ_SEA = ("KHG", 15.0, 10.0, 3000.0)           # A51: out kt, in kt, USD/t


def alt_cost_coast(xj_node: str, far_end: str) -> tuple[float, str]:
    """A54: cost of the sea route via the Chinese coast between Xinjiang and a Pakistani
    city or the world gateway. Returns (USD/t, arithmetic)."""
    rail_km = {"KHG": 5300, "URC": 3700}[xj_node]
    sea_km = 11000 if far_end == "DXB" else 11500
    inland_km = {"DXB": 0, "KHI": 0, "LHE": 1210, "ISB": 1585}[far_end]
    rail = rail_km * 0.025 + VOT * rail_km / 45
    transfers = 2 * (TRANSFER_USD_T + VOT * TRANSFER_H)
    sea_leg = sea_km * 0.003 + VOT * sea_km / 28
    ports = 2 * 20 + VOT * 2 * 72
    inland = inland_km * 0.055 + VOT * inland_km / TRUCK_SPEED_CAP
    total = round(rail + transfers + sea_leg + ports + inland, 1)
    how = (f"rail {rail_km} km {rail:.1f} + transfers {transfers:.1f} + sea {sea_km} km "
           f"{sea_leg:.1f} + ports {ports:.1f}" + (f" + road Karachi-{far_end} {inland:.1f}"
                                                   if inland_km else "") + f" = {total}")
    return total, how


DEMAND: list[dict] = []


def flow(origin, dest, commodity, kt, growth, value, srcs, elasticity=None, alt=None):
    rec = dict(origin=origin, destination=dest, commodity=commodity,
               base_volume_kt=round(kt, 3), growth_pct=round(growth, 2), elasticity=elasticity,
               alt_cost_usd_per_t=alt, value_usd_per_t=round(value))
    DEMAND.append(rec)
    rid = f"{origin}>{dest} {commodity}"
    for field, (code, conf, note) in srcs.items():
        _src("Demand", rid, field, rec[field], code, conf, note)


def _growth(a, b):
    (ga, sa, ca), (gb, sb, cb) = GROWTH[a], GROWTH[b]
    code = ";".join(dict.fromkeys(f"{sa};{sb};A55".split(";")))
    return (ga + gb) / 2, (code, min(ca, cb, key=CONF_RANK.get),
                           f"({a} {ga} + {b} {gb}) / 2")


# 9a. Bilateral Pakistan <-> Central Asia
for ctry, (exp_m, imp_m, food, bulk, pk_ends, ca_ends) in BILATERAL.items():
    v_exp = 1 / (food / FOOD_USD_T + (1 - food) / MANUF_USD_T)
    v_imp = 1 / (bulk / BULK_USD_T + (1 - bulk) / FIBRE_METAL_USD_T)
    kt_exp, kt_imp = exp_m * 1000 / round(v_exp), imp_m * 1000 / round(v_imp)
    g, g_src = _growth("PK", ctry)
    for pk, s_pk in pk_ends.items():
        for ca, s_ca in ca_ends.items():
            share = s_pk * s_ca
            flow(pk, ca, f"PK exports to {ctry} (food, pharma, textiles)", kt_exp * share, g,
                 v_exp, {
                     "base_volume_kt": ("S49;A40;A42;A43", L,
                                        f"SBP FY25 exports to {ctry} {exp_m} USD m / "
                                        f"{round(v_exp)} USD/t = {kt_exp:.1f} kt x {pk} "
                                        f"{s_pk} x {ca} {s_ca}"),
                     "growth_pct": g_src,
                     "value_usd_per_t": ("A40", L, f"1/({food}/600 + {1 - food:.2f}/4000)")})
            flow(ca, pk, f"{ctry} exports to PK (grain, cotton, metals)", kt_imp * share, g,
                 v_imp, {
                     "base_volume_kt": ("S49;A41;A42;A43", L,
                                        f"SBP FY25 imports from {ctry} {imp_m} USD m / "
                                        f"{round(v_imp)} USD/t = {kt_imp:.1f} kt x {ca} "
                                        f"{s_ca} x {pk} {s_pk}"),
                     "growth_pct": g_src,
                     "value_usd_per_t": ("A41", L, f"1/({bulk}/500 + {1 - bulk:.2f}/1800)")})

# 9b. Central Asia <-> world sea gateway (today through Iran)
for hub, ctry, out_kt, in_kt, a_id in TRANSIT:
    g, g_src = _growth(ctry, "World")
    el = ("A53", L, "transit can switch to routes outside the model")
    flow(hub, "DXB", f"{ctry} overseas exports (transit)", out_kt, g, TRANSIT_OUT_USD_T, {
        "base_volume_kt": (a_id, L, "estimate, no published tonnage"), "growth_pct": g_src,
        "elasticity": el, "value_usd_per_t": ("A52", L, "cotton, metals, fertiliser")},
         elasticity=TRANSIT_ELASTICITY)
    flow("DXB", hub, f"{ctry} overseas imports (transit)", in_kt, g, TRANSIT_IN_USD_T, {
        "base_volume_kt": (a_id, L, "estimate, no published tonnage"), "growth_pct": g_src,
        "elasticity": el, "value_usd_per_t": ("A52", L, "machinery, consumer goods")},
         elasticity=TRANSIT_ELASTICITY)

# 9c. Xinjiang <-> Pakistan over the Karakoram Highway, and Kashgar <-> sea via Karachi
g, g_src = _growth("CN", "PK")
cn_kt, pk_kt = XJ_TOTAL_KT * XJ_CN_SHARE, XJ_TOTAL_KT * (1 - XJ_CN_SHARE)
for xj, s_xj in XJ_CN_ORIG.items():
    for pk, s_pk in XJ_PK_DEST.items():
        alt, how = alt_cost_coast(xj, pk)
        flow(xj, pk, "Xinjiang exports to PK (machinery, electronics, goods)",
             cn_kt * s_xj * s_pk, g, XJ_CN_USD_T, {
                 "base_volume_kt": ("S46;S48;A44;A45", L,
                                    f"{XJ_TOTAL_KT:g} kt x {XJ_CN_SHARE} x {xj} {s_xj} x "
                                    f"{pk} {s_pk}"),
                 "growth_pct": g_src,
                 "alt_cost_usd_per_t": ("A54", L, how),
                 "value_usd_per_t": ("S46;A44", M, "95.3 USD m / 12,432 t")}, alt=alt)
for pk, s_pk in XJ_PK_ORIG.items():
    for xj, s_xj in XJ_CN_DEST.items():
        alt, how = alt_cost_coast(xj, pk)
        flow(pk, xj, "PK exports to Xinjiang (minerals, marble, dried fruit)",
             pk_kt * s_pk * s_xj, g, XJ_PK_USD_T, {
                 "base_volume_kt": ("S46;S48;A44;A45", L,
                                    f"{XJ_TOTAL_KT:g} kt x {1 - XJ_CN_SHARE:.2f} x {pk} "
                                    f"{s_pk} x {xj} {s_xj}"),
                 "growth_pct": g_src,
                 "alt_cost_usd_per_t": ("A54", L, how),
                 "value_usd_per_t": ("A44", L, "GK")}, alt=alt)
g, g_src = _growth("CN", "World")
xj, out_kt, in_kt, usd_t = XJ_SEA
alt, how = alt_cost_coast(xj, "DXB")
for o, d, kt, lab in [(xj, "DXB", out_kt, "exports"), ("DXB", xj, in_kt, "imports")]:
    flow(o, d, f"Xinjiang overseas {lab} via Karachi (transit)", kt, g, usd_t, {
        "base_volume_kt": ("S102;A51", L, "NLC Kashgar-Karachi-Dubai service; estimate"),
        "growth_pct": g_src, "elasticity": ("A53", L, "transit"),
        "alt_cost_usd_per_t": ("A54", L, how), "value_usd_per_t": ("A51", L, "GK")},
         elasticity=TRANSIT_ELASTICITY, alt=alt)

# ============================================================================
# 10. Sources rows for parameters, nodes, projects and effects
# ============================================================================
for name, value, _unit, _desc, code, conf, note in PARAMETERS:
    _src("Parameters", name, "value", value, code, conf, note)
for nid, _n, _c, _k, lat, lon, code in NODES:
    conf = M if code == "S71" else L
    _src("Nodes", nid, "lat", lat, code, conf, "approximate")
    _src("Nodes", nid, "lon", lon, code, conf, "approximate")
for p in PROJECTS:
    _src("Projects", p[0], "capex_musd", p[2], p[8], p[9], p[10])
for pid, sid, fields in EFFECTS:
    for field, (value, code, conf, note) in fields.items():
        _src("ProjectEffects", f"{pid}|{sid}", field, value, code, conf, note)


# ============================================================================
# 11. Write the workbook
# ============================================================================
SEG_COLS = ["segment_id", "from_node", "to_node", "mode", "length_km", "speed_kmh",
            "cost_usd_per_tkm", "fixed_time_h", "fixed_cost_usd_per_t", "status", "corridor"]
ATTRS = ["length_km", "speed_kmh", "cost_usd_per_tkm", "fixed_time_h", "fixed_cost_usd_per_t"]
DEM_COLS = ["origin", "destination", "commodity", "base_volume_kt", "growth_pct", "elasticity",
            "alt_cost_usd_per_t", "value_usd_per_t"]


def source_text(code: str) -> str:
    """'S1;A02' -> 'S1 CPMM 2022 Pakistan (cpmm...) | assumption A02'."""
    out = []
    for tok in code.split(";"):
        if tok in REFERENCES:
            title, url = REFERENCES[tok]
            out.append(f"{tok} {title} ({url})")
        elif tok in ASSUMPTION_IDS:
            out.append(f"assumption {tok}")
        elif tok == "GK":
            out.append("GK")
        else:
            raise ValueError(f"unknown source code {tok!r}")
    return " | ".join(out)


def sheet_rows():
    """Every sheet as (name, header, rows)."""
    yield ("Parameters", ["parameter", "value", "unit", "description"],
           [list(p[:4]) for p in PARAMETERS])
    yield ("Nodes", ["node_id", "name", "country", "kind", "lat", "lon"],
           [list(n[:6]) for n in NODES])
    yield ("Segments", SEG_COLS, [[s[c] for c in SEG_COLS] for s in SEGMENTS])
    yield ("Projects", ["project_id", "name", "capex_musd", "decision", "group", "requires",
                        "country", "description"],
           [[p[0], p[1], p[2], p[3], p[4] or None, p[5] or None, p[6], p[7]] for p in PROJECTS])
    yield ("ProjectEffects", ["project_id", "segment_id"] + ATTRS,
           [[pid, sid] + [f[a][0] if a in f else None for a in ATTRS]
            for pid, sid, f in EFFECTS])
    yield ("Demand", DEM_COLS, [[d[c] for c in DEM_COLS] for d in DEMAND])
    yield ("Sources", ["sheet", "record_id", "field", "value", "source", "confidence", "note"],
           [[s[0], s[1], s[2], s[3], source_text(s[4]), s[5], s[6]] for s in SOURCES])
    yield ("Assumptions", ["assumption_id", "assumption", "affects", "rationale"],
           [list(a) for a in ASSUMPTIONS])
    used = sorted({t for s in SOURCES for t in s[4].split(";") if t in REFERENCES} |
                  {t for p in PARAMETERS for t in p[4].split(";") if t in REFERENCES} |
                  {t for a in ASSUMPTIONS for t in re.findall(r"\[(S\d+)\]", a[1] + a[3])},
                  key=lambda t: int(t[1:]))
    yield ("References", ["ref_id", "title", "url"],
           [[t, REFERENCES[t][0], REFERENCES[t][1]] for t in used])


ID_COLUMNS = {"node_id", "from_node", "to_node", "segment_id", "project_id", "requires",
              "origin", "destination", "record_id", "assumption_id", "ref_id", "parameter"}


def write_workbook(path: Path) -> None:
    wb = Workbook()
    wb.remove(wb.active)
    for name, header, rows in sheet_rows():
        ws = wb.create_sheet(name)
        ws.append(header)
        for cell in ws[1]:
            cell.font = Font(bold=True)
        for row in rows:
            clean = []
            for col, v in zip(header, row):
                if isinstance(v, str) and v.startswith("="):
                    raise ValueError(f"{name}.{col}: text starting with '=' would be a formula")
                if col in ID_COLUMNS and v is not None:
                    v = str(v)                       # ids are text, never numbers
                clean.append(v)
            ws.append(clean)
        ws.freeze_panes = "A2"
        for i, col in enumerate(header, start=1):
            width = max(len(str(col)), *(len(str(r[i - 1])) for r in rows if r[i - 1] is not None))
            ws.column_dimensions[ws.cell(1, i).column_letter].width = min(max(10, width + 2), 70)
    wb.properties.creator = "inputs/build_default_workbook.py"
    wb.properties.title = "corridor-invest default input workbook"
    wb.properties.created = FIXED_DATE
    wb.properties.modified = FIXED_DATE
    buf = io.BytesIO()
    wb.save(buf)
    # openpyxl stamps 'modified' with the current time and the zip entries with the current
    # date: rewrite both so that rebuilding gives the same bytes.
    stamp = FIXED_DATE.strftime("%Y-%m-%dT%H:%M:%SZ")
    src = zipfile.ZipFile(io.BytesIO(buf.getvalue()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                data = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)",
                              rb"\g<1>" + stamp.encode() + rb"\g<2>", data)
            zi = zipfile.ZipInfo(info.filename, date_time=FIXED_DATE.timetuple()[:6])
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.external_attr = 0o600 << 16
            dst.writestr(zi, data)
    path.write_bytes(out.getvalue())


# ============================================================================
# 12. Self-check (spec §3-4)
# ============================================================================
def gc_parts(a: dict) -> tuple[float, float, float]:
    """(generalized cost USD/t, money USD/t, hours) of segment attributes a (spec §3)."""
    length = a["length_km"]
    hours = (length / a["speed_kmh"] if length > 0 else 0.0) + (a["fixed_time_h"] or 0.0)
    money = length * (a["cost_usd_per_tkm"] or 0.0) + (a["fixed_cost_usd_per_t"] or 0.0)
    return money + VOT * hours, money, hours


SEG = {s["segment_id"]: s for s in SEGMENTS}
PROJ = {p[0]: p for p in PROJECTS}


def effect_attrs(sid: str, fields: dict) -> dict:
    base = {a: SEG[sid][a] for a in ATTRS}
    base.update({f: v[0] for f, v in fields.items()})
    return base


STATES: dict[str, list[tuple[str | None, dict]]] = {}   # segment -> [(project or None, attrs)]
for s in SEGMENTS:
    STATES[s["segment_id"]] = [(None, {a: s[a] for a in ATTRS})] if s["status"] == "open" else []
for pid, sid, fields in EFFECTS:
    STATES[sid].append((pid, effect_attrs(sid, fields)))


def network(portfolio: set[str] | None) -> nx.Graph:
    """Graph of the network with the projects in `portfolio` applied (None: every project,
    each segment at its best state). Edge weight = least generalized cost."""
    g = nx.Graph()
    for s in SEGMENTS:
        best = None
        for pid, attrs in STATES[s["segment_id"]]:
            if pid is not None and portfolio is not None and pid not in portfolio:
                continue
            parts = gc_parts(attrs)
            if best is None or parts[0] < best[0][0]:
                best = (parts, pid)
        if best is not None:
            (gc, money, hours), pid = best
            g.add_edge(s["from_node"], s["to_node"], weight=gc, money=money, hours=hours,
                       seg=s["segment_id"], project=pid)
    return g


def route(g: nx.Graph, o: str, d: str):
    """(cost, money, hours, path) of the least-cost route, or None."""
    try:
        cost, path = nx.single_source_dijkstra(g, o, d, weight="weight")
    except (nx.NetworkXNoPath, nx.NodeNotFound):
        return None
    edges = [g.edges[u, v] for u, v in zip(path, path[1:])]
    return cost, sum(e["money"] for e in edges), sum(e["hours"] for e in edges), path


def sp(g: nx.Graph, f: dict) -> float:
    r = route(g, f["origin"], f["destination"])
    net = r[0] if r else math.inf
    return min(net, f["alt_cost_usd_per_t"] or math.inf)


def volume(portfolio: set[str], c0: dict) -> float:
    g = network(portfolio)
    total = 0.0
    for i, f in enumerate(DEMAND):
        p = f["base_volume_kt"] * (1 + f["growth_pct"] / 100) ** (HORIZON - BASE)
        el = f["elasticity"] or PARAM["default_elasticity"]
        total += p * (sp(g, f) / c0[i]) ** (-el)
    return total



def requires_closure(pid: str) -> set[str]:
    out, todo = set(), [pid]
    while todo:
        q = todo.pop()
        if q in out:
            continue
        out.add(q)
        todo += [r for r in (PROJ[q][5] or "").split(";") if r]
    return out


def self_check() -> None:
    errors: list[str] = []

    def need(cond, msg):
        if not cond:
            errors.append(msg)

    # (d) ids unique, references resolve
    for what, ids in [("node", [n[0] for n in NODES]), ("segment", [s["segment_id"] for s in
                      SEGMENTS]), ("project", [p[0] for p in PROJECTS]),
                      ("assumption", [a[0] for a in ASSUMPTIONS]),
                      ("flow", [(d["origin"], d["destination"], d["commodity"]) for d in DEMAND]),
                      ("effect", [(e[0], e[1]) for e in EFFECTS])]:
        dup = {i for i in ids if ids.count(i) > 1}
        need(not dup, f"duplicate {what} ids: {sorted(dup)}")
    pairs = {}
    for s in SEGMENTS:
        for n in (s["from_node"], s["to_node"]):
            need(n in COUNTRY, f"segment {s['segment_id']}: unknown node {n}")
        need(s["from_node"] != s["to_node"], f"segment {s['segment_id']} is a loop")
        key = frozenset((s["from_node"], s["to_node"]))
        need(key not in pairs, f"segments {pairs.get(key)} and {s['segment_id']} are parallel")
        pairs[key] = s["segment_id"]
        need(s["mode"] in ("road", "rail", "border", "transfer", "sea"), f"bad mode {s}")
        need((s["length_km"] == 0) == (s["mode"] in ("border", "transfer")),
             f"segment {s['segment_id']}: length 0 iff border/transfer")
    used_nodes = {n for s in SEGMENTS for n in (s["from_node"], s["to_node"])}
    need(used_nodes == set(COUNTRY), f"nodes on no segment: {set(COUNTRY) - used_nodes}")
    for pid, sid, _f in EFFECTS:
        need(pid in PROJ and sid in SEG, f"effect {pid}/{sid}: unknown project or segment")
    for p in PROJECTS:
        for r in (p[5] or "").split(";"):
            need(not r or r in PROJ, f"project {p[0]} requires unknown {r}")
        need(p[3] in ("candidate", "must_do", "committed", "excluded"), f"bad decision {p[0]}")
        need(any(e[0] == p[0] for e in EFFECTS), f"project {p[0]} changes no segment")
    for s in SEGMENTS:
        if s["status"] == "planned":
            need(any(e[1] == s["segment_id"] for e in EFFECTS),
                 f"planned segment {s['segment_id']} is built by no project")
    committed = {p[0] for p in PROJECTS if p[3] == "committed"}
    for sid, states in STATES.items():
        owners = [pid for pid, _a in states if pid]
        if set(owners) & committed:
            need(len(owners) == 1, f"committed project shares segment {sid} with {owners}")
    for d in DEMAND:
        need(d["origin"] in COUNTRY and d["destination"] in COUNTRY, f"flow {d}: unknown node")
        need(d["origin"] != d["destination"], f"flow {d}: origin = destination")
        need(d["value_usd_per_t"] and d["value_usd_per_t"] > 0, f"flow {d}: no value")
    codes = {t for s in SOURCES for t in s[4].split(";")} | \
        {t for p in PARAMETERS for t in p[4].split(";")}
    for t in codes:
        need(t in REFERENCES or t in ASSUMPTION_IDS or t == "GK", f"unknown source code {t}")
    for s in SOURCES:
        need(s[5] in (H, M, L), f"bad confidence {s}")
    unused = ASSUMPTION_IDS - codes
    need(not unused, f"assumptions never cited: {sorted(unused)}")
    cited = codes | {t for a in ASSUMPTIONS for t in re.findall(r"\[(S\d+)\]", a[1] + a[3])}
    need(not set(REFERENCES) - cited, f"references never cited: {set(REFERENCES) - cited}")
    # every number of the data sheets has a Sources row
    have = {(s[0], str(s[1]), s[2]) for s in SOURCES}
    for s in SEGMENTS:
        for a in ATTRS:
            if s[a] is not None:
                need(("Segments", s["segment_id"], a) in have, f"no source: {s['segment_id']}.{a}")
    for d in DEMAND:
        rid = f"{d['origin']}>{d['destination']} {d['commodity']}"
        for a in DEM_COLS[3:]:
            if d[a] is not None:
                need(("Demand", rid, a) in have, f"no source: {rid}.{a}")
    for p in PARAMETERS:
        need(("Parameters", p[0], "value") in have, f"no source: parameter {p[0]}")

    # (b) every generalized cost > 0; (c) no project raises a segment's cost
    for sid, states in STATES.items():
        base = next((gc_parts(a)[0] for pid, a in states if pid is None), None)
        for pid, a in states:
            need(a["length_km"] == 0 or (a["speed_kmh"] or 0) > 0, f"{sid}/{pid}: no speed")
            gc = gc_parts(a)[0]
            need(gc > 0, f"segment {sid} ({pid or 'base'}): gc {gc} <= 0")
            if pid and base is not None:
                need(gc <= base + 1e-9, f"project {pid} raises gc of {sid}: {base:.2f} -> {gc:.2f}")
    # (a) every flow has a route today or an alternative cost
    today = network(set())
    for d in DEMAND:
        r = route(today, d["origin"], d["destination"])
        need(r is not None or d["alt_cost_usd_per_t"],
             f"flow {d['origin']}->{d['destination']} has no route today and no alt_cost")
    if errors:
        print("SELF-CHECK FAILED:")
        for e in errors:
            print("  -", e)
        sys.exit(1)
    print("self-check passed: ids unique, references resolve, every number sourced, "
          "every flow routable today, all gc > 0, no project raises a cost")


def report() -> None:
    """Print representative routes, each project's standalone gain and the counts."""
    today, allp = network(set()), network(None)
    committed = {p[0] for p in PROJECTS if p[3] == "committed"}
    dn = network(committed)
    c0 = [sp(today, d) for d in DEMAND]

    def show(label, r, g):
        cost, money, hours, path = r
        segs = [g.edges[u, v]["seg"] for u, v in zip(path, path[1:])]
        projs = sorted({g.edges[u, v]["project"] for u, v in zip(path, path[1:])} - {None})
        print(f"    {label:<9} {cost:7.1f} USD/t (money {money:6.1f}, {hours:6.1f} h = "
              f"{hours / 24:4.1f} d) {' '.join(path)}")
        if projs:
            print(f"              projects on route: {', '.join(projs)}")
        return segs

    print("\nRepresentative flows (today = no projects; do-nothing = committed P09+P12; "
          "best = every project at its best):")
    reps = [("KHI", "TAS"), ("ALA", "KHI"), ("ISB", "KHG"), ("URC", "KHI"), ("TAS", "DXB"),
            ("ALA", "DXB"), ("DYU", "DXB"), ("KHI", "ASB"), ("FRU", "LHE"), ("PEW", "DYU"),
            ("AZN", "LHE")]
    for o, d in reps:
        f = next(x for x in DEMAND if x["origin"] == o and x["destination"] == d)
        print(f"  {o} -> {d} ({f['commodity']}, {f['base_volume_kt']:.1f} kt"
              + (f", alt {f['alt_cost_usd_per_t']}" if f["alt_cost_usd_per_t"] else "") + ")")
        show("today", route(today, o, d), today)
        show("do-nothing", route(dn, o, d), dn)
        show("best", route(allp, o, d), allp)

    v_dn = volume(committed, c0)
    print(f"\nTrade: today {sum(d['base_volume_kt'] for d in DEMAND):.0f} kt/yr; horizon "
          f"{HORIZON} do-nothing {v_dn:.0f} kt/yr; every project at its best "
          f"{volume(set(PROJ), c0):.0f} kt/yr (an upper bound, ignores budget and rules)")
    print("\nStandalone gain over do-nothing (project + what it requires), kt/yr in "
          f"{HORIZON}:")
    rows = []
    for p in PROJECTS:
        if p[3] != "candidate":
            continue
        bundle = requires_closure(p[0]) - committed
        cost = sum(PROJ[q][2] for q in bundle)
        gain = volume(committed | bundle, c0) - v_dn
        rows.append((gain / cost if cost else math.inf, p[0], cost, gain, p[1]))
    for ratio, pid, cost, gain, name in sorted(rows, reverse=True):
        print(f"  {pid:<5} {cost:7.0f} USD m  gain {gain:8.2f} kt  {ratio * 1000:8.2f} "
              f"kt per USD bn  {name}")
    # benefit/cost walk at the default budget (spec §7, rules ignored except groups/segments)
    budget, chosen, spent = PARAM["budget_musd"], set(), 0.0
    for ratio, pid, cost, gain, _n in sorted(rows, reverse=True):
        bundle = requires_closure(pid) - committed
        segs_taken = {e[1] for e in EFFECTS if e[0] in chosen}
        clash = any(e[1] in segs_taken for e in EFFECTS if e[0] in bundle) or any(
            PROJ[q][4] and PROJ[q][4] in {PROJ[c][4] for c in chosen} for q in bundle)
        extra = sum(PROJ[q][2] for q in bundle - chosen)
        if gain > 0 and not clash and spent + extra <= budget:
            chosen |= bundle
            spent += extra
    print(f"\nBenefit/cost ranking at {budget:g} USD m: {', '.join(sorted(chosen))}; spent "
          f"{spent:g}; trade {volume(committed | chosen, c0):.0f} kt/yr (do-nothing "
          f"{v_dn:.0f})")
    w = sum(d["base_volume_kt"] * d["value_usd_per_t"] for d in DEMAND) / \
        sum(d["base_volume_kt"] for d in DEMAND)
    print(f"Volume-weighted value of the flows: {w:.0f} USD/t (A03 uses {CARGO_VALUE_USD_T:g})")
    kinds = {}
    for s in SEGMENTS:
        kinds[s["mode"]] = kinds.get(s["mode"], 0) + 1
    print(f"\nCounts: {len(NODES)} nodes, {len(SEGMENTS)} segments "
          f"({', '.join(f'{k} {v}' for k, v in sorted(kinds.items()))}; "
          f"{sum(s['status'] == 'planned' for s in SEGMENTS)} planned), {len(PROJECTS)} projects "
          f"({sum(p[3] == 'candidate' for p in PROJECTS)} candidates, {len(committed)} "
          f"committed), {len(EFFECTS)} project effects, {len(DEMAND)} flows, "
          f"{len(SOURCES)} source rows, {len(ASSUMPTIONS)} assumptions")


if __name__ == "__main__":
    self_check()
    write_workbook(OUTPUT)
    print(f"wrote {OUTPUT}")
    report()
